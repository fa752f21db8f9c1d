/**
 * Daemon footprint at idle: `cccc daemon run` in its own process with three headless agents
 * running, the DingTalk bridge connected (Stream) to the fake DingTalk in another process and one
 * approved chat. RSS is sampled from /proc once a second for 10 s after everything settled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DAEMON_NODE_FLAGS } from "../src/client/daemon-launch.js";
import { IM_SET_DINGTALK } from "../test/support/seed.js";
import {
  customActorArgs,
  DaemonProcess,
  exitCode,
  FakeProcess,
  load,
  median,
  mib,
  ROOT,
  sleep,
  table,
  waitUntil,
} from "./bench-kit.js";
import type { SentRecord } from "./fake-dingtalk-process.js";

const GOAL = 64 * 1024 * 1024;

/** File-backed RSS (mostly the pages of the node binary itself) and anonymous RSS (heaps), bytes. */
function rssParts(pid: number): { file: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { file: kb("RssFile"), anon: kb("RssAnon") };
}
const AGENT = join(ROOT, "test/fixtures/agents/soak-agent.mjs");

const fake = await FakeProcess.start({ redeliverAfterMs: null });
const daemon = new DaemonProcess(fake.daemonEnv());
try {
  await daemon.start();
  const started = daemon.rss();
  const gid = await daemon.createGroup();
  await daemon.cli(["group", "use", gid]);
  for (const id of ["lead", "peer1", "peer2"]) {
    await daemon.cli(customActorArgs(id, "headless", `node ${AGENT} headless`));
  }
  await daemon.cli(["group", "start"]);
  await daemon.cli(IM_SET_DINGTALK);
  await daemon.cli(["im", "start"]);
  await waitUntil(
    async () => (await fake.request<number>({ op: "connections" })) > 0,
    20_000,
    "the Stream connection",
  );
  await fake.request({
    op: "push",
    message: { chat: "direct", conversationId: "cid-footprint", senderStaffId: "s1", text: "/subscribe" },
  });
  const key = await waitUntil(
    async () =>
      (await fake.request<SentRecord[]>({ op: "sent" }))
        .map((s) => /--key ([A-Za-z0-9]+)/.exec(s.text)?.[1])
        .find(Boolean),
    20_000,
    "the subscription key",
  );
  await daemon.cli(["im", "bind", "--key", key]);
  const actors = JSON.parse(await daemon.cli(["actor", "list", "--json"])) as { status?: string }[];
  const running = actors.filter((a) => a.status === "running").length;
  await sleep(5_000); // settle: startup garbage collected, timers in their steady state
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    samples.push(daemon.rss());
    await sleep(1_000);
  }
  const parts = rssParts(daemon.pid);
  const flags = [
    ...DAEMON_NODE_FLAGS,
    ...(process.env.CCCC_BENCH_DAEMON_FLAGS ?? "").split(" ").filter(Boolean),
  ];
  table(`Daemon footprint, idle (node flags: ${flags.join(" ") || "none"}; load average ${load()})`, [
    { metric: "RSS right after start (no group yet)", measured: mib(started) },
    { metric: "headless agents running", measured: String(running), goal: "3", pass: running === 3 },
    {
      metric: "RSS idle: bridge connected, 3 headless agents, median of 10 s",
      measured: `${mib(median(samples))} (max ${mib(Math.max(...samples))})`,
      goal: `≤ ${mib(GOAL)}`,
      pass: median(samples) <= GOAL,
    },
    {
      metric: "  of which file-backed (node binary, libraries) / anonymous (heaps), at the end",
      measured: `${mib(parts.file)} / ${mib(parts.anon)}`,
    },
  ]);
} finally {
  await daemon.stop();
  await fake.close();
}
process.exitCode = exitCode();
