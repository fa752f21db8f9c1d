/**
 * Shared pieces of the `*-bench.ts` scripts: the fake DingTalk and the daemon each in their own
 * process, the real CLI, and the goal tables every benchmark prints (PASS/FAIL, exit code 1 on a
 * failed goal). Not a benchmark itself.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { DAEMON_NODE_FLAGS, daemonEnv } from "../src/client/daemon-launch.js";
import type { FakeDingTalkOptions } from "../test/fakes/dingtalk/server.js";
import { runCli as runCliProcess } from "../test/support/cli.js";
import type { FakeRequest } from "./fake-dingtalk-process.js";

/** Repository root, from `bench/` or `dist/bench/`. */
export const ROOT = resolve(
  import.meta.dirname,
  import.meta.dirname.includes(`${sep}dist${sep}`) ? "../.." : "..",
);
export const CLI = join(ROOT, "dist/src/cli/main.cjs");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntil<T>(
  check: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** `cccc actor add ID --runtime custom --runner RUNNER --command COMMAND` as CLI arguments. */
export function customActorArgs(id: string, runner: string, command: string): string[] {
  return ["actor", "add", id, "--runtime", "custom", "--runner", runner, "--command", command];
}

/** Run the real CLI (`dist/src/cli/main.cjs`) with `env`; its stdout, or throws with its stderr. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<string> {
  const r = await runCliProcess(args, env, timeoutMs, undefined, CLI);
  if (r.code !== 0)
    throw new Error(`cccc ${args.join(" ")} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

// ── tables ──────────────────────────────────────────────────────────────────

export interface Row {
  metric: string;
  measured: string;
  goal?: string;
  /** undefined: informational, no goal. */
  pass?: boolean;
}

let failures = 0;

/** Print a markdown table with a result column; counts failed goals for `exitCode()`. */
export function table(title: string, rows: Row[]): void {
  const head = ["metric", "measured", "goal", "result"];
  const cells = rows.map((r) => [
    r.metric,
    r.measured,
    r.goal ?? "—",
    r.pass === undefined ? "" : r.pass ? "PASS" : "FAIL",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  process.stdout.write(`\n${title}\n\n${line(head)}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
  failures += rows.filter((r) => r.pass === false).length;
}

/** Exit code for the benchmark: 1 when any goal failed. */
export function exitCode(): number {
  return failures > 0 ? 1 : 0;
}

export const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

// ── the fake DingTalk in its own process ────────────────────────────────────

export class FakeProcess {
  private next = 1;
  private readonly waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();

  private constructor(
    readonly child: ChildProcess,
    readonly apiBase: string,
    readonly appKey: string,
    readonly appSecret: string,
  ) {
    child.on("message", (m: { id?: number; result?: unknown; error?: string }) => {
      const w = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (!w || m.id === undefined) return;
      this.waiting.delete(m.id);
      if (m.error) w.fail(new Error(m.error));
      else w.ok(m.result);
    });
  }

  static async start(options: FakeDingTalkOptions = {}): Promise<FakeProcess> {
    const child = fork(join(import.meta.dirname, "fake-dingtalk-process.js"), [JSON.stringify(options)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const ready = await new Promise<{ apiBase: string; appKey: string; appSecret: string }>((ok, fail) => {
      child.once("message", (m: { ready?: { apiBase: string; appKey: string; appSecret: string } }) =>
        m.ready ? ok(m.ready) : fail(new Error("fake DingTalk: unexpected first message")),
      );
      child.once("exit", (code) => fail(new Error(`fake DingTalk exited with ${code}`)));
    });
    return new FakeProcess(child, ready.apiBase, ready.appKey, ready.appSecret);
  }

  request<T>(req: FakeRequest): Promise<T> {
    const id = this.next++;
    return new Promise<T>((ok, fail) => {
      this.waiting.set(id, { ok: ok as (v: unknown) => void, fail });
      this.child.send({ id, req });
    });
  }

  /** The daemon's environment that points its bridge at this fake with the seed's variable names. */
  daemonEnv(): NodeJS.ProcessEnv {
    return {
      CCCC_DINGTALK_API_BASE: this.apiBase,
      CCCC_DINGTALK_OAPI_BASE: this.apiBase,
      DINGTALK_APP_KEY: this.appKey,
      DINGTALK_APP_SECRET: this.appSecret,
      DINGTALK_ROBOT_CODE: this.appKey,
    };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    await this.request({ op: "close" }).catch(() => undefined);
    await Promise.race([exited, sleep(5_000).then(() => this.child.kill("SIGKILL"))]);
  }
}

// ── the daemon in its own process ───────────────────────────────────────────

export class DaemonProcess {
  readonly root = mkdtempSync(join(tmpdir(), "cccc-bench-"));
  readonly home = join(this.root, "home");
  readonly scope = join(this.root, "scope");
  child?: ChildProcess;
  url = "";

  constructor(readonly env: NodeJS.ProcessEnv) {
    mkdirSync(this.scope, { recursive: true });
    this.env = { ...process.env, CCCC_HOME: this.home, CCCC_PORT: "0", CCCC_NO_AUTOSTART: "1", ...env };
  }

  /** `cccc daemon run` and wait until endpoint.json names it. */
  async start(): Promise<void> {
    const flags = (process.env.CCCC_BENCH_DAEMON_FLAGS ?? "").split(" ").filter(Boolean);
    // The flags and malloc settings `cccc daemon start` uses (src/client/daemon-launch.ts), then the
    // experiment's own flags.
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...flags, CLI, "daemon", "run"], {
      env: daemonEnv(this.env),
      stdio: "ignore",
    });
    this.child = child;
    const endpoint = join(this.home, "daemon", "endpoint.json");
    const info = await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}`);
        try {
          const e = JSON.parse(readFileSync(endpoint, "utf8")) as { pid: number; url: string };
          return e.pid === child.pid ? e : undefined;
        } catch {
          return undefined;
        }
      },
      30_000,
      "the daemon's endpoint.json",
    );
    this.url = info.url;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path.replace(/^\//, ""), this.url), {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** `cccc group create` in the bench's scope; the new group's id. */
  async createGroup(title = "bench"): Promise<string> {
    const out = await this.cli(["group", "create", "--title", title, "--scope", this.scope, "--json"]);
    return (JSON.parse(out) as { group_id: string }).group_id;
  }

  /** Run the real CLI against this daemon; throws with stderr on a non-zero exit. */
  cli(args: string[], timeoutMs = 30_000): Promise<string> {
    return runCli(args, this.env, timeoutMs);
  }

  /** Resident set size of the daemon process (Linux /proc), bytes. */
  rss(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
