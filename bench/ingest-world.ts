/**
 * Processes of the ingest benchmark: the fake DingTalk (bench/ingest-fake.ts) and the real daemon
 * (`cccc daemon run`), each in its own process on loopback, plus /proc readings of the daemon.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DAEMON_NODE_FLAGS, daemonEnv } from "../src/client/daemon-launch.js";
import type { RunCommand } from "./ingest-fake.js";

const DIST = resolve(import.meta.dirname, "..");
/** The daemon's CLI; `BENCH_CLI` runs another build's daemon with this bench (A/B against main). */
export const CLI = process.env.BENCH_CLI || join(DIST, "src/cli/main.cjs");

export interface FakeProcess {
  child: ChildProcess;
  apiBase: string;
  appKey: string;
  appSecret: string;
  /** Push chats×perChat messages; resolves with the ms until every push was acked. */
  run(cmd: Omit<RunCommand, "type">): Promise<number>;
  close(): Promise<void>;
}

export async function startFakeProcess(): Promise<FakeProcess> {
  const child = fork(join(import.meta.dirname, "ingest-fake.js"), [], { stdio: "inherit" });
  const waiters = new Map<string, (ms: number) => void>();
  const ready = await new Promise<{ apiBase: string; appKey: string; appSecret: string }>((ok, fail) => {
    child.once("error", fail);
    child.on("message", (m: { type: string; run?: string; ms?: number; message?: string }) => {
      if (m.type === "ready") ok(m as never);
      else if (m.type === "acked") waiters.get(m.run ?? "")?.(m.ms ?? 0);
      else if (m.type === "error") process.stderr.write(`fake: ${m.message}\n`);
    });
  });
  return {
    child,
    ...ready,
    run: (cmd) =>
      new Promise((ok) => {
        waiters.set(cmd.run, ok);
        child.send({ type: "run", ...cmd });
      }),
    close: () =>
      new Promise((ok) => {
        child.once("exit", () => ok());
        child.send({ type: "close" });
      }),
  };
}

export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  home: string;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startDaemonProcess(
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): Promise<DaemonProcess> {
  const home = mkdtempSync(join(tmpdir(), "cccc-ingest-bench-"));
  const port = await freePort();
  // The flags and malloc settings `cccc daemon start` gives the daemon: the bench measures what users run.
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...nodeArgs, CLI, "daemon", "run"], {
    env: daemonEnv({
      ...process.env,
      ...env,
      CCCC_HOME: home,
      CCCC_PORT: String(port),
      CCCC_HOST: "127.0.0.1",
    }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d;
      if (process.env.BENCH_DAEMON_STDOUT) appendFileSync(process.env.BENCH_DAEMON_STDOUT, d); // ingest-bench.ts
      const m = /Web UI: (\S+)/.exec(out);
      if (m?.[1]) ok(m[1]);
    });
    child.once("exit", (code) => fail(new Error(`daemon exited (${code}): ${out}`)));
  });
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(new URL(path.replace(/^\//, ""), url), {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  return {
    child,
    pid: child.pid ?? 0,
    url,
    home,
    api,
    close: () =>
      new Promise((ok) => {
        child.once("exit", () => {
          rmSync(home, { recursive: true, force: true });
          ok();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** One group with an idle actor, `chats` approved (authorized-chats file), the bridge started. */
export async function setUpGroup(d: DaemonProcess, fake: FakeProcess, chats: string[]): Promise<string> {
  const { group } = await d.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
    title: "ingest bench",
    scope: d.home,
  });
  const gid = group.group_id;
  await d.api("POST", `/api/v1/groups/${gid}/actors`, {
    id: "lead",
    runtime: "custom",
    command: ["node", "-e", "setInterval(()=>{},1000)"],
  });
  const dir = join(d.home, "groups", gid, "state", "im");
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const approved = Object.fromEntries(
    chats.map((id) => [id, { chat_id: id, chat_type: "direct", title: id, authorized_at: at, by: "user" }]),
  );
  writeFileSync(join(dir, "authorized-chats.json"), JSON.stringify(approved), { mode: 0o600 });
  await d.api("PUT", `/api/v1/groups/${gid}/im/config`, {
    platform: "dingtalk",
    app_key: fake.appKey,
    app_secret: fake.appSecret,
    start: true,
  });
  for (let i = 0; i < 200; i++) {
    const { status } = await d.api<{ status: { connected: boolean } }>("GET", `/api/v1/groups/${gid}/im`);
    if (status.connected) return gid;
    await sleep(50);
  }
  throw new Error("the bridge did not connect to the fake");
}

/** message_ids of the run's user messages in the ledger file (each counted as often as it occurs). */
export function ledgerIds(home: string, gid: string, run: string): string[] {
  const text = readFileSync(join(home, "groups", gid, "ledger.jsonl"), "utf8");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes(`bench ${run} `)) continue;
    const e = JSON.parse(line) as { kind: string; data: { source?: { message_id?: string } } };
    if (e.kind === "chat.message" && e.data.source?.message_id) out.push(e.data.source.message_id);
  }
  return out;
}

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user+system) and RSS bytes of a process, from /proc. */
export function procStat(pid: number): { cpuS: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuS = (Number(fields[11]) + Number(fields[12])) / TICK;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return { cpuS, rss: rssKb * 1024 };
}

/**
 * CPU seconds of the process's main thread (the event loop: task id = pid) and of all its other
 * threads (V8's GC helpers, the libuv pool), from /proc/<pid>/task/<tid>/stat. The split tells
 * work from garbage: in an ingest burst about half the daemon's CPU is GC on the helper threads.
 */
export function threadCpu(pid: number): { mainS: number; otherS: number } {
  let mainS = 0;
  let otherS = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const s = (Number(fields[11]) + Number(fields[12])) / TICK;
    if (Number(tid) === pid) mainS += s;
    else otherS += s;
  }
  return { mainS, otherS };
}

/** A loopback port nobody listens on right now (`daemon run --port 0` means the default port). */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
