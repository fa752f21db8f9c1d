/**
 * The terminal WebSocket against the real daemon in-process: a real shell in a PTY, a headless
 * actor's log, Host/Origin refusals, and actors that are not running.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { TerminalHello } from "../../src/contract/terminal.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");

let t: TestDaemon;
let gid: string;

/** One terminal connection: the hello, every output byte, and how it closed. */
class Term {
  hello: TerminalHello | undefined;
  output = Buffer.alloc(0);
  controls: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  refused: number | undefined;
  readonly ws: WebSocket;

  constructor(aid: string, opts: { query?: string; headers?: Record<string, string>; origin?: string } = {}) {
    const url = new URL(`api/v1/groups/${gid}/actors/${aid}/terminal/ws${opts.query ?? ""}`, t.daemon.url);
    url.protocol = "ws:";
    this.ws = new WebSocket(url, { headers: opts.headers, origin: opts.origin });
    this.ws.on("message", (data, isBinary) => {
      const buf = data as Buffer;
      if (isBinary) {
        this.output = Buffer.concat([this.output, buf]);
        return;
      }
      const msg = JSON.parse(buf.toString()) as Record<string, unknown>;
      if (msg.type === "hello") this.hello = msg as unknown as TerminalHello;
      else this.controls.push(msg);
    });
    this.ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    this.ws.on("unexpected-response", (_req, res) => {
      this.refused = res.statusCode;
      this.ws.terminate();
    });
    this.ws.on("error", () => undefined);
  }

  get text(): string {
    return this.output.toString("utf8");
  }
  /** Byte cursor after everything received. */
  get cursor(): number {
    return (this.hello?.from ?? 0) + this.output.length;
  }
  type(keys: string): void {
    this.ws.send(Buffer.from(keys, "utf8"));
  }
  until(what: string | RegExp, timeoutMs = 8_000): Promise<string> {
    return waitFor(
      () =>
        (typeof what === "string" ? this.text.includes(what) : what.test(this.text)) ? this.text : undefined,
      timeoutMs,
      `terminal output ${what} (got ${JSON.stringify(this.text.slice(-300))})`,
    );
  }
  waitClosed(timeoutMs = 8_000) {
    return waitFor(() => this.closed, timeoutMs, "socket close");
  }
  waitRefused(timeoutMs = 8_000) {
    return waitFor(() => this.refused, timeoutMs, "refused upgrade");
  }
}

const addActor = (body: Record<string, unknown>) => t.api("POST", `/api/v1/groups/${gid}/actors`, body);
const actorOp = (aid: string, op: string) => t.api("POST", `/api/v1/groups/${gid}/actors/${aid}/${op}`);

beforeAll(async () => {
  t = await startTestDaemon({ CCCC_ACTOR_LOG_MAX_BYTES: String(32 * 1024) });
  gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "term", scope: AGENTS })
  ).body.group.group_id;
  await addActor({ id: "shell", runtime: "custom", command: ["node", `${AGENTS}/shell-agent.mjs`] });
  await addActor({
    id: "worker",
    runtime: "custom",
    runner: "headless",
    command: ["node", `${AGENTS}/headless-agent.mjs`, "env"],
  });
  await addActor({ id: "idle", runtime: "custom", command: ["node", `${AGENTS}/shell-agent.mjs`] });
  await actorOp("shell", "start");
  await actorOp("worker", "start");
});
afterAll(() => t?.close());

describe("terminal WebSocket", () => {
  it("shows a PTY actor's prompt, runs what is typed, and follows resizes", async () => {
    const term = new Term("shell");
    await term.until("term$ ");
    expect(term.hello).toMatchObject({ type: "hello", runner: "pty", writable: true, truncated: false });
    term.type("echo sum=$((6*7))\r");
    await term.until("sum=42");
    // One socket keeps order: the daemon resizes the PTY before it writes the next keystrokes.
    term.ws.send(JSON.stringify({ type: "resize", cols: 101, rows: 33 }));
    term.type("stty size\r");
    await term.until("33 101");

    // Reconnecting with the cursor (same session) sends only what came after it.
    const { cursor } = term;
    const session = term.hello?.session ?? "";
    term.ws.close();
    await term.waitClosed();
    const again = new Term("shell", { query: `?cursor=${cursor}&session=${session}` });
    await waitFor(() => again.hello, 5_000, "hello");
    expect(again.hello).toMatchObject({ from: cursor, session });
    again.type('echo af""ter\r');
    await again.until("after");
    expect(again.text).not.toContain("sum=42");

    // A fresh viewer gets the retained output; a cursor from another session is ignored.
    const fresh = new Term("shell", { query: `?cursor=${cursor}&session=other` });
    await fresh.until("after");
    expect(fresh.text).toContain("sum=42");
    expect(fresh.hello?.from).toBe(0);
    again.ws.close();
    fresh.ws.close();
  });

  it("passes terminal answers (cursor position) only from the newest viewer", async () => {
    const older = new Term("shell");
    await waitFor(() => older.hello, 5_000, "hello");
    const newer = new Term("shell");
    await waitFor(() => newer.hello, 5_000, "hello");
    older.type("echo 'old\x1b[5;5R-x'\r");
    await older.until("\r\nold-x\r\n");
    newer.type("echo 'new\x1b[5;5R-y'\r");
    await newer.until("\r\nnew\x1b[5;5R-y\r\n");
    newer.ws.close();
    await newer.waitClosed();
    // The newest viewer left: the remaining one answers now.
    older.type("echo 'old\x1b[6;6R-z'\r");
    await older.until("\r\nold\x1b[6;6R-z\r\n");
    older.ws.close();
  });

  it("leaves no listener or viewer behind after many connections", async () => {
    const group = t.daemon.ctx.kernel.group(gid);
    const target = t.daemon.ctx.actors.terminal(group, "shell");
    if (target?.kind !== "pty") throw new Error("shell should be a running PTY");
    // Private state of the PtyRunner, read only to count what a viewer leaves behind.
    const inner = target.terminal as unknown as { dataListeners: Set<unknown>; viewers: number };
    await waitFor(() => inner.viewers === 0, 2_000, "earlier viewers gone");
    const before = { listeners: inner.dataListeners.size, viewers: inner.viewers };
    for (let i = 0; i < 20; i++) {
      const term = new Term("shell");
      await waitFor(() => term.hello, 5_000, "hello");
      term.ws.close();
      await term.waitClosed();
    }
    await waitFor(() => inner.viewers === 0, 2_000, "viewers detached");
    expect({ listeners: inner.dataListeners.size, viewers: inner.viewers }).toEqual(before);
  });

  it("refuses a foreign Host (DNS rebinding) and a foreign Origin (cross-site hijacking)", async () => {
    const port = new URL(t.daemon.url).port;
    const badHost = new Term("shell", { headers: { host: `evil.example:${port}` } });
    expect(await badHost.waitRefused()).toBe(403);
    const badOrigin = new Term("shell", { origin: "http://evil.example" });
    expect(await badOrigin.waitRefused()).toBe(403);
    const nullOrigin = new Term("shell", { origin: "null" });
    expect(await nullOrigin.waitRefused()).toBe(403);
    expect(badHost.hello ?? badOrigin.hello ?? nullOrigin.hello).toBeUndefined();
    const malformed = new Term("%E0%A4%A");
    expect(await malformed.waitRefused()).toBe(400);

    // Our own origin (what the Web UI's browser sends) is fine.
    const ours = new Term("shell", { origin: t.daemon.url.replace(/\/$/, "") });
    await waitFor(() => ours.hello, 5_000, "hello with our Origin");
    ours.ws.close();
  });

  it("streams a headless actor's log, read-only, and follows what is appended", async () => {
    const term = new Term("worker");
    await term.until("started env");
    expect(term.text).toContain("stderr line");
    expect(term.hello).toMatchObject({ runner: "headless", writable: false, session: "log" });
    term.type("ignored\r");
    await actorOp("worker", "stop");
    await term.until("got SIGTERM, exiting");
    expect(term.text).not.toContain("ignored");
    expect(term.closed).toBeUndefined();
    term.ws.close();
  });

  it("keeps following a headless log across rotations (CCCC_ACTOR_LOG_MAX_BYTES)", async () => {
    await addActor({
      id: "ticker",
      runtime: "custom",
      runner: "headless",
      command: ["node", `${AGENTS}/headless-agent.mjs`, "tick"],
    });
    await actorOp("ticker", "start");
    try {
      const term = new Term("ticker");
      await term.until(/tick \d+ /);
      const first = Number(/tick (\d+) /.exec(term.text)?.[1]);
      // 32 KiB cap (set for this daemon), ~1 KiB lines: 200 more lines are several rotations.
      await term.until(new RegExp(`tick ${first + 200} `), 30_000);
      const logs = join(t.home.stateDir(gid), "actors");
      await waitFor(() => existsSync(join(logs, "ticker.log.1")), 5_000, "rotated file");
      for (const f of readdirSync(logs).filter((f) => f.startsWith("ticker.log")))
        expect(statSync(join(logs, f)).size).toBeLessThanOrEqual(32 * 1024);
      expect(
        readdirSync(logs)
          .filter((f) => f.startsWith("ticker.log"))
          .sort(),
      ).toEqual(["ticker.log", "ticker.log.1"]);
      term.ws.close();
    } finally {
      await actorOp("ticker", "stop");
    }
  });

  it("closes with 4404 for an actor that is not running or does not exist", async () => {
    const stopped = new Term("idle");
    expect(await stopped.waitClosed()).toMatchObject({ code: 4404 });
    expect(stopped.closed?.reason).toMatch(/^actor_not_running/);
    const missing = new Term("nobody");
    expect(await missing.waitClosed()).toMatchObject({ code: 4404 });
    expect(missing.closed?.reason).toMatch(/not_found/);
  });

  it("tells a viewer when the process exits, and a started actor is watchable", async () => {
    await actorOp("idle", "start");
    const term = new Term("idle");
    await term.until("term$ ");
    term.type("exit 3\r");
    const closed = await term.waitClosed();
    expect(closed).toMatchObject({ code: 4404, reason: expect.stringMatching(/^actor_exited/) });
    expect(term.controls).toContainEqual({ type: "exit", code: 3, signal: null });
  });

  it("closes every terminal socket when the daemon stops", async () => {
    await actorOp("worker", "start");
    const log = new Term("worker");
    const pty = new Term("shell");
    await waitFor(() => log.hello && pty.hello, 5_000, "both hellos");
    await t.close();
    expect((await log.waitClosed()).code).toBe(1001);
    expect([1001, 4404]).toContain((await pty.waitClosed()).code);
  });
});
