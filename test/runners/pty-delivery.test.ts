import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { DeliveryQueue, type DeliveryQueueOptions } from "../../src/runners/delivery.js";
import { PtyRunner } from "../../src/runners/pty-runner.js";
import { renderBatch, renderEvent, renderPreamble } from "../../src/runners/render.js";
import { chatEvent, readLines, TUI_AGENT, tempDir, testEnv, waitFor } from "./helpers.js";

interface Entry {
  type: string;
  text?: string;
  pasted?: boolean;
  row?: number;
  col?: number;
}

const FAST = { readyGraceMs: 100, readyMaxMs: 4_000, preambleDelayMs: 50, submitDelayMs: 50, pollMs: 20 };
const preambleInfo = { actorId: "lead", groupId: "g_test", groupTitle: "test", role: "foreman" as const };

let dir: ReturnType<typeof tempDir>;
let out: string;
let runner: PtyRunner | undefined;
let queue: DeliveryQueue | undefined;

beforeEach(() => {
  dir = tempDir();
  out = join(dir.path, "agent-out.jsonl");
});

afterEach(async () => {
  queue?.stop();
  await runner?.stop({ graceMs: 500 });
  runner = undefined;
  queue = undefined;
  dir.cleanup();
});

async function startAgent(extraEnv: Record<string, string> = {}): Promise<PtyRunner> {
  runner = new PtyRunner({
    argv: ["node", TUI_AGENT],
    cwd: dir.path,
    env: testEnv({ TUI_AGENT_OUT: out, CCCC_ACTOR_ID: "lead", ...extraEnv }),
  });
  await runner.start();
  return runner;
}

function makeQueue(delivered: string[][], extra: Partial<DeliveryQueueOptions> = {}): DeliveryQueue {
  queue = new DeliveryQueue({
    render: (events) => renderBatch(events, { groupDir: dir.path }),
    preamble: () => renderPreamble(preambleInfo),
    waitForBracketedPaste: true,
    timings: FAST,
    onDelivered: (ids) => delivered.push(ids),
    ...extra,
  });
  return queue;
}

const inputs = (): Entry[] => readLines<Entry>(out).filter((e) => e.type === "input");

describe("PtyRunner", () => {
  it("runs in a terminal, keeps scrollback, tracks paste mode and answers cursor queries", async () => {
    const pty = await startAgent();
    const chunks: string[] = [];
    pty.onData((data) => chunks.push(data));
    await waitFor(() => readLines<Entry>(out).some((e) => e.type === "ready"), 5_000, "agent ready");
    await waitFor(() => pty.bracketedPaste, 2_000, "bracketed paste");
    expect(readLines<Entry>(out)).toContainEqual({ type: "cursor-position", row: 1, col: 1 });
    expect(pty.firstOutputAt).toBeTypeOf("number");
    expect(pty.cols).toBe(120);
    expect(pty.rows).toBe(40);
    await waitFor(() => pty.read().data.toString("utf8").includes("> "), 2_000, "prompt");
    const snap = pty.read();
    expect(snap.data.toString("utf8")).toContain("tui-agent ready");
    expect(snap.cursor).toBe(pty.scrollback.cursor);
    pty.resize(100, 30);
    expect(pty.cols).toBe(100);
    pty.write("typed by hand\r");
    await waitFor(() => inputs().length === 1, 2_000, "typed input");
    expect(inputs()[0]).toMatchObject({ text: "typed by hand", pasted: false });
    await waitFor(() => chunks.join("").includes("got 13 chars"), 2_000, "echo via onData");
    const exits: unknown[] = [];
    pty.onExit((info) => exits.push(info));
    await pty.stop({ graceMs: 1_000 });
    expect(pty.running).toBe(false);
    expect(exits).toHaveLength(1);
  });

  it("sees an escape sequence split across reads, and leaves cursor queries to an attached viewer", async () => {
    runner = new PtyRunner({
      argv: ["node", TUI_AGENT],
      cwd: dir.path,
      env: testEnv({ TUI_AGENT_OUT: out, TUI_AGENT_SPLIT_ESCAPES: "1" }),
    });
    const detach = runner.attachViewer();
    await runner.start();
    const pty = runner;
    await waitFor(() => readLines<Entry>(out).some((e) => e.type === "ready"), 5_000, "agent ready");
    await waitFor(() => pty.bracketedPaste, 2_000, "bracketed paste from split writes");
    expect(readLines<Entry>(out).some((e) => e.type === "cursor-position")).toBe(false);
    pty.write("\x1b[7;3R"); // the viewer's own answer
    await waitFor(
      () => readLines<Entry>(out).some((e) => e.type === "cursor-position"),
      2_000,
      "viewer reply",
    );
    expect(readLines<Entry>(out)).toContainEqual({ type: "cursor-position", row: 7, col: 3 });
    detach();
  });

  it("reports a missing command before spawning", async () => {
    const bad = new PtyRunner({ argv: ["no-such-agent-cli-xyz"], cwd: dir.path, env: testEnv() });
    await expect(bad.start()).rejects.toMatchObject({ code: "command_not_found" });
    const badCwd = new PtyRunner({ argv: ["node"], cwd: join(dir.path, "gone"), env: testEnv() });
    await expect(badCwd.start()).rejects.toMatchObject({ code: "invalid_project_root" });
  });
});

describe("DeliveryQueue into a PTY", () => {
  it("types the preamble, then two messages in order, with bracketed paste", async () => {
    const pty = await startAgent();
    const delivered: string[][] = [];
    const q = makeQueue(delivered);
    q.attach(pty);
    const first = chatEvent("ev_first_000001", "user", {
      text: "look at this",
      to: ["lead"],
      source: {
        platform: "dingtalk",
        chat_id: "c",
        chat_type: "direct",
        user_id: "u",
        user_name: "Ann",
        message_id: "m",
      },
      attachments: [
        { path: "blobs/ab_log.txt", name: "log.txt", mime: "text/plain", bytes: 42, sha256: "ab" },
      ],
    });
    const second = chatEvent("ev_second_00002", "peer1", { text: "line 1\nline 2", to: ["lead"] });
    expect(q.enqueue(first)).toBe(1);
    await waitFor(() => delivered.length === 1, 8_000, "first delivery");
    expect(q.enqueue(second, first)).toBe(1); // `first` is deduped
    await waitFor(() => delivered.length === 2, 8_000, "second delivery");
    expect(delivered).toEqual([["ev_first_000001"], ["ev_second_00002"]]);

    await waitFor(() => inputs().length === 3, 3_000, "three inputs");
    const [preamble, one, two] = inputs();
    expect(preamble).toEqual({ type: "input", text: renderPreamble(preambleInfo), pasted: true });
    expect(one).toEqual({ type: "input", text: renderEvent(first, { groupDir: dir.path }), pasted: true });
    expect(one?.text).toContain("[cccc] user [dingtalk / Ann] → lead (reply:ev_first):");
    expect(one?.text).toContain(`- log.txt (text/plain, 42 bytes): ${join(dir.path, "blobs/ab_log.txt")}`);
    expect(two?.text).toBe("[cccc] peer1 → lead (reply:ev_secon):\nline 1\nline 2");
  });

  it("types plain text when the app did not enable bracketed paste", async () => {
    const pty = await startAgent({ TUI_AGENT_BRACKETED: "0" });
    const delivered: string[][] = [];
    const q = makeQueue(delivered, { preamble: undefined, waitForBracketedPaste: false });
    q.attach(pty);
    q.enqueue(chatEvent("plain0000001", "user", { text: "hello", to: ["lead"] }));
    await waitFor(() => delivered.length === 1, 8_000, "delivery");
    await waitFor(() => inputs().length === 1, 3_000, "input");
    expect(inputs()).toEqual([
      { type: "input", text: "[cccc] user → lead (reply:plain000): hello", pasted: false },
    ]);
    expect(pty.bracketedPaste).toBe(false);
  });

  it("batches what queued up during startup, holds while paused, and re-sends the preamble per session", async () => {
    const pty = await startAgent({ TUI_AGENT_STARTUP_MS: "400" });
    const delivered: string[][] = [];
    let preambles = 0;
    const q = makeQueue(delivered, { onPreamble: () => preambles++ });
    const events: LedgerEvent[] = ["b1", "b2"].map((id) => chatEvent(`${id}_event`, "user", { text: id }));
    q.enqueue(...events);
    q.attach(pty);
    await waitFor(() => delivered.length === 1, 8_000, "batch");
    expect(delivered[0]).toEqual(["b1_event", "b2_event"]);
    await waitFor(() => inputs().length === 2, 3_000, "inputs");
    expect(inputs()[1]?.text).toMatch(/^\[cccc\] 2 new messages:\n/);

    q.setPaused(true);
    q.enqueue(chatEvent("held_event", "user", { text: "held" }));
    await new Promise((r) => setTimeout(r, 400));
    expect(delivered).toHaveLength(1);
    expect(q.pending()).toEqual(["held_event"]);
    q.setPaused(false);
    await waitFor(() => delivered.length === 2, 5_000, "resume");

    // A new session (same terminal here, standing in for a restarted one) gets the preamble again.
    q.attach(pty);
    q.enqueue(chatEvent("after_attach", "user", { text: "again" }));
    await waitFor(() => delivered.length === 3, 5_000, "after attach");
    expect(preambles).toBe(2);
    await waitFor(() => inputs().length === 5, 3_000, "inputs after attach");
    expect(inputs()[3]?.text).toBe(renderPreamble(preambleInfo));
    await q.whenIdle();
  });

  it("keeps events queued while the terminal is gone and drops them on reset", async () => {
    const delivered: string[][] = [];
    const q = makeQueue(delivered);
    const pty = await startAgent();
    await pty.stop({ graceMs: 500 });
    q.attach(pty);
    q.enqueue(chatEvent("waiting_1", "user", { text: "x" }));
    await q.whenIdle();
    expect(q.pending()).toEqual(["waiting_1"]);
    q.reset();
    expect(q.size).toBe(0);
    expect(delivered).toEqual([]);
  });
});
