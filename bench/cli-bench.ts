/**
 * Whole-process cost of the CLI: wall time (spawn to exit; median and p90 of interleaved runs) and
 * peak RSS of `cccc send` and `cccc im status` against a running daemon (its own process, bridge
 * connected to the fake DingTalk in another), next to `node -e 0` on the same machine and load.
 * Peak RSS comes from separate runs with a tiny `--import` hook that reports
 * `process.resourceUsage().maxRSS` at exit, so the timed runs carry no instrumentation.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { IM_SET_DINGTALK } from "../test/support/seed.js";
import {
  CLI,
  DaemonProcess,
  exitCode,
  FakeProcess,
  load,
  median,
  mib,
  ms,
  percentile,
  table,
  waitUntil,
} from "./bench-kit.js";

const RUNS = Number(process.env.CCCC_BENCH_CLI_RUNS ?? 15);
/** Fewer timed rounds when the machine is so loaded that 15 would break the 2-minute budget. */
const BUDGET_MS = 60_000;
const MIN_RUNS = 5;
const RSS_RUNS = 3;
const GOAL_MS = 90;
const GOAL_RSS = 60 * 1024 * 1024;

interface Run {
  ms: number;
  cpuMs: number;
  maxRss: number;
}

function run(argv: string[], env: NodeJS.ProcessEnv, rssFile?: string): Promise<Run> {
  return new Promise((done, fail) => {
    const args = rssFile ? ["--import", rssFile, ...argv] : argv;
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("exit", (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return fail(new Error(`${argv.join(" ")} exited ${code}: ${err}`));
      const m = /maxrss=(\d+) cpu=(\d+)/.exec(err);
      done({ ms: wall, cpuMs: Number(m?.[2] ?? 0) / 1000, maxRss: Number(m?.[1] ?? 0) * 1024 });
    });
  });
}

const fake = await FakeProcess.start({ redeliverAfterMs: null });
const daemon = new DaemonProcess(fake.daemonEnv());
try {
  await daemon.start();
  const gid = await daemon.createGroup();
  await daemon.cli(["group", "use", gid]);
  await daemon.cli([
    "actor",
    "add",
    "lead",
    "--runtime",
    "custom",
    "--runner",
    "headless",
    "--command",
    "node -e 0",
  ]);
  await daemon.cli(IM_SET_DINGTALK);
  await daemon.cli(["im", "start"]);
  await waitUntil(
    async () => (await fake.request<number>({ op: "connections" })) > 0,
    20_000,
    "the Stream connection",
  );

  const hook = join(daemon.root, "max-rss.mjs");
  writeFileSync(
    hook,
    'process.on("exit", () => { const u = process.resourceUsage(); process.stderr.write("maxrss=" + u.maxRSS + " cpu=" + (u.userCPUTime + u.systemCPUTime) + "\\n"); });\n',
  );
  const commands: Array<{ name: string; argv: string[]; goal: boolean }> = [
    { name: "node -e 0", argv: ["-e", "0"], goal: false },
    { name: "cccc send", argv: [CLI, "send", "bench message"], goal: true },
    { name: "cccc im status", argv: [CLI, "im", "status"], goal: true },
  ];
  const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  const rss = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  for (const c of commands) await run(c.argv, daemon.env); // warm the page cache
  const budgetStart = Date.now();
  let rounds = 0;
  while (rounds < RUNS && (rounds < MIN_RUNS || Date.now() - budgetStart < BUDGET_MS)) {
    for (const c of commands) times.get(c.name)?.push((await run(c.argv, daemon.env)).ms);
    rounds++;
  }
  for (let i = 0; i < RSS_RUNS; i++) {
    for (const c of commands) {
      const r = await run(c.argv, daemon.env, hook);
      rss.get(c.name)?.push(r.maxRss);
      cpu.get(c.name)?.push(r.cpuMs);
    }
  }
  const base = median(times.get("node -e 0") ?? []);
  table(
    `CLI whole-process cost (${rounds} timed runs each, interleaved, + ${RSS_RUNS} instrumented; load average ${load()} at the end)`,
    commands.flatMap((c) => {
      const t = times.get(c.name) ?? [];
      const peak = Math.max(...(rss.get(c.name) ?? [0]));
      const med = median(t);
      return [
        {
          metric: `${c.name}: wall time, median (p90)`,
          measured: `${ms(med)} (${ms(percentile(t, 90))})${c.goal ? `, +${ms(med - base)} over node -e 0` : ""}`,
          ...(c.goal ? { goal: `≤ ${GOAL_MS} ms`, pass: med <= GOAL_MS } : {}),
        },
        {
          metric: `${c.name}: CPU time (user + system), median`,
          measured: ms(median(cpu.get(c.name) ?? [])),
        },
        {
          metric: `${c.name}: peak RSS (max of runs)`,
          measured: mib(peak),
          ...(c.goal ? { goal: `≤ ${mib(GOAL_RSS)}`, pass: peak <= GOAL_RSS } : {}),
        },
      ];
    }),
  );
} finally {
  await daemon.stop();
  await fake.close();
}
process.exitCode = exitCode();
