/**
 * Codex's app-server protocol as a structured session (pure): handshake, resume and its fallback,
 * waiting for CCCC's MCP server, streamed text and activity, the final reply, interrupt (also before
 * Codex named the turn), server requests, and bad input. Lines are shaped like the pinned CLI's
 * (0.169.0, observed with test/fakes/model); the end-to-end test runs the real one.
 */

import { describe, expect, it } from "vitest";
import { codexMcpOverrides } from "../../src/runners/runtimes.js";
import { CodexSession, codexStructuredArgv } from "../../src/runners/structured-codex.js";
import type { SessionSignal } from "../../src/runners/structured-protocol.js";

const THREAD = "01a22fbb-603d-7552-a012-5fb02724b340";
const TURN = "01a22fbb-3edf-7e41-a639-4cec9b6418aa";
const line = (v: unknown) => JSON.stringify(v);
const sent = (s: string) =>
  JSON.parse(s) as { id?: number; method?: string; params?: Record<string, unknown> };
const writes = (signals: SessionSignal[]) =>
  signals.flatMap((s) => (s.kind === "write" ? [sent(s.line)] : []));
const note = (method: string, params: Record<string, unknown>) =>
  line({ method, params: { threadId: THREAD, ...params }, emittedAtMs: 1 });
const mcp = (status: string, error: string | null = null) =>
  note("mcpServer/startupStatus/updated", { name: "cccc", status, error, failureReason: null });

/** A session through its handshake: initialize answered, thread started, CCCC's MCP server ready. */
function started(threadId?: string): CodexSession {
  const s = new CodexSession({ cwd: "/p", instructions: "You are lead.", threadId, clientVersion: "0.1.0" });
  const init = sent(s.open()[0] ?? "");
  s.decodeLine(line({ id: init.id, result: { userAgent: "x" } }));
  s.decodeLine(mcp("starting"));
  s.decodeLine(line({ id: 2, result: { thread: { id: THREAD } } }));
  s.decodeLine(mcp("ready"));
  return s;
}

function turn(s: CodexSession, text = "[cccc] user → lead (reply:abcdef12): hi"): number {
  const req = sent(s.encodeTurn(text));
  s.decodeLine(line({ id: req.id, result: { turn: { id: TURN, status: "inProgress", items: [] } } }));
  return req.id ?? -1;
}

describe("codex app-server session", () => {
  it("runs `codex app-server` with CCCC's MCP server and its identity, and live web search", () => {
    const argv = codexStructuredArgv([], codexMcpOverrides());
    expect(argv.slice(0, 2)).toEqual(["codex", "app-server"]);
    expect(argv).toContain('mcp_servers.cccc.command="cccc"');
    expect(argv.join(" ")).toMatch(/mcp_servers\.cccc\.env_vars=\["CCCC_GROUP_ID","CCCC_ACTOR_ID",/);
    expect(argv.slice(-2)).toEqual(["-c", 'web_search="live"']);
    expect(codexStructuredArgv(["/opt/codex"], [])[0]).toBe("/opt/codex");
    expect(codexStructuredArgv(["codex", "app-server"], []).filter((a) => a === "app-server")).toHaveLength(
      1,
    );
  });

  it("handshakes, starts a thread in bypass mode, and is ready once CCCC's MCP server is", () => {
    const s = new CodexSession({ cwd: "/p", instructions: "You are lead.", clientVersion: "0.1.0" });
    const init = sent(s.open()[0] ?? "");
    expect(init).toMatchObject({ id: 1, method: "initialize", params: { clientInfo: { name: "cccc" } } });
    const out = writes(s.decodeLine(line({ id: 1, result: { userAgent: "x" } })));
    expect(out[0]).toEqual({ method: "initialized" });
    expect(out[1]).toMatchObject({
      method: "thread/start",
      params: {
        cwd: "/p",
        approvalPolicy: "never",
        sandbox: "danger-full-access",
        developerInstructions: "You are lead.",
      },
    });
    expect(s.ready()).toBe(false);
    // Codex announces the MCP server before it answers thread/start.
    expect(s.decodeLine(mcp("starting"))).toEqual([]);
    expect(s.decodeLine(line({ id: out[1]?.id, result: { thread: { id: THREAD } } }))).toEqual([
      { kind: "session", id: THREAD },
      { kind: "ready" },
    ]);
    expect(s.ready(), "a turn now would not see CCCC's tools").toBe(false);
    expect(s.decodeLine(mcp("ready"))).toEqual([{ kind: "ready" }]);
    expect(s.ready()).toBe(true);
  });

  it("is ready after CCCC's MCP server failed (logged), so plain-text answers still work", () => {
    const s = new CodexSession({ cwd: "/p", instructions: "", clientVersion: "0.1.0" });
    s.open();
    s.decodeLine(line({ id: 1, result: {} }));
    s.decodeLine(mcp("starting"));
    s.decodeLine(line({ id: 2, result: { thread: { id: THREAD } } }));
    const out = s.decodeLine(mcp("failed", "MCP client for `cccc` timed out after 30 seconds.\nmore"));
    expect(out).toEqual([
      {
        kind: "log",
        line: "CCCC's MCP server did not start in codex (MCP client for `cccc` timed out after 30 seconds.)",
      },
      { kind: "ready" },
    ]);
    expect(s.ready()).toBe(true);
  });

  it("resumes the kept thread, and starts a new one when Codex cannot resume it", () => {
    const s = new CodexSession({ cwd: "/p", instructions: "i", threadId: THREAD, clientVersion: "0.1.0" });
    s.open();
    const resume = writes(s.decodeLine(line({ id: 1, result: {} })))[1];
    expect(resume).toMatchObject({
      method: "thread/resume",
      params: { threadId: THREAD, developerInstructions: "i" },
    });
    const out = s.decodeLine(
      line({ id: resume?.id, error: { code: -32600, message: `no rollout found for thread id ${THREAD}` } }),
    );
    expect(out[0]).toEqual({
      kind: "log",
      line: `could not resume codex thread ${THREAD} (no rollout found for thread id ${THREAD}); starting a new one`,
    });
    expect(writes(out)[0]).toMatchObject({ method: "thread/start" });
    expect(s.ready()).toBe(false);
  });

  it("fails the session when Codex will not start a thread", () => {
    const s = new CodexSession({ cwd: "/p", instructions: "", clientVersion: "0.1.0" });
    s.open();
    s.decodeLine(line({ id: 1, result: {} }));
    expect(s.decodeLine(line({ id: 2, error: { code: -32603, message: "no provider" } }))).toEqual([
      { kind: "fatal", error: "codex could not start a thread: no provider" },
    ]);
  });

  it("streams a turn: text deltas, a message start per agent message, activity, and the last message as the reply", () => {
    const s = started();
    const req = sent(s.encodeTurn("[cccc] user → lead (reply:abcdef12): hi"));
    expect(req).toMatchObject({
      method: "turn/start",
      params: {
        threadId: THREAD,
        input: [{ type: "text", text: "[cccc] user → lead (reply:abcdef12): hi" }],
      },
    });
    s.decodeLine(line({ id: req.id, result: { turn: { id: TURN } } }));
    const item = (i: Record<string, unknown>) =>
      s.decodeLine(note("item/started", { turnId: TURN, item: i }));
    expect(item({ type: "userMessage", id: "u1", content: [] })).toEqual([]);
    expect(item({ type: "agentMessage", id: "m1", text: "" })).toEqual([{ kind: "message_start" }]);
    expect(
      s.decodeLine(note("item/agentMessage/delta", { turnId: TURN, itemId: "m1", delta: "Look" })),
    ).toEqual([{ kind: "text", delta: "Look" }]);
    expect(
      item({ type: "commandExecution", command: "npm test", commandActions: [{ type: "unknown" }] }),
    ).toEqual([{ kind: "activity", text: "running npm test" }]);
    expect(
      item({
        type: "commandExecution",
        command: "cat src/app.ts",
        commandActions: [{ type: "read", path: "src/app.ts" }],
      }),
    ).toEqual([{ kind: "activity", text: "reading src/app.ts" }]);
    expect(item({ type: "mcpToolCall", server: "cccc", tool: "cccc_message_reply" })).toEqual([
      { kind: "activity", text: "cccc: message_reply" },
    ]);
    expect(item({ type: "fileChange", changes: [{ path: "a.ts" }, { path: "b.ts" }] })).toEqual([
      { kind: "activity", text: "editing a.ts and 1 more" },
    ]);
    // A sub-agent's thread is not this reply.
    expect(
      s.decodeLine(
        line({ method: "item/agentMessage/delta", params: { threadId: "other", turnId: "t", delta: "x" } }),
      ),
    ).toEqual([]);
    const items = [
      { type: "agentMessage", id: "m1", text: "Looking." },
      { type: "agentMessage", id: "m2", text: "Done: all green." },
    ];
    expect(s.decodeLine(note("turn/completed", { turn: { id: TURN, status: "completed", items } }))).toEqual([
      { kind: "result", ok: true, text: "Done: all green." },
    ]);
  });

  it("takes the reply from the last finished agent message when turn/completed lists no items", () => {
    const s = started();
    turn(s);
    s.decodeLine(
      note("item/completed", { turnId: TURN, item: { type: "agentMessage", id: "m1", text: "短回答" } }),
    );
    const out = s.decodeLine(note("turn/completed", { turn: { id: TURN, status: "completed", items: [] } }));
    expect(out).toEqual([{ kind: "result", ok: true, text: "短回答" }]);
  });

  it("interrupts with turn/interrupt, also before Codex answered turn/start", () => {
    const s = started();
    const req = sent(s.encodeTurn("x"));
    expect(s.encodeInterrupt(), "no turn id yet: the request follows").toBe("");
    const out = writes(s.decodeLine(line({ id: req.id, result: { turn: { id: TURN } } })));
    expect(out).toEqual([
      { id: expect.any(Number), method: "turn/interrupt", params: { threadId: THREAD, turnId: TURN } },
    ]);
    const end = s.decodeLine(
      note("turn/completed", { turn: { id: TURN, status: "interrupted", items: [] } }),
    );
    expect(end).toEqual([{ kind: "result", ok: false, text: "", error: "the turn was interrupted" }]);
    // Once the turn id is known, the request goes out at once.
    turn(s);
    expect(sent(s.encodeInterrupt())).toMatchObject({ method: "turn/interrupt", params: { turnId: TURN } });
  });

  it("ends a failed turn with Codex's reason, and a refused turn/start as a failed turn", () => {
    const s = started();
    turn(s);
    const failed = { id: TURN, status: "failed", items: [], error: { message: "stream disconnected" } };
    expect(s.decodeLine(note("turn/completed", { turn: failed }))).toEqual([
      { kind: "result", ok: false, text: "", error: "codex ended the turn failed: stream disconnected" },
    ]);
    const req = sent(s.encodeTurn("y"));
    expect(s.decodeLine(line({ id: req.id, error: { code: -32600, message: "busy" } }))).toEqual([
      { kind: "result", ok: false, text: "", error: "codex refused the turn: busy" },
    ]);
  });

  it("answers Codex's requests so it never waits: approvals accepted, anything else declined", () => {
    const s = started();
    const approval = s.decodeLine(
      line({ id: 7, method: "item/commandExecution/requestApproval", params: {} }),
    );
    expect(writes(approval)).toEqual([{ id: 7, result: { decision: "accept" } }]);
    const other = writes(s.decodeLine(line({ id: "r8", method: "item/tool/requestUserInput", params: {} })));
    expect(other[0]).toMatchObject({ id: "r8", error: { code: -32601 } });
  });

  it("reports lines that are not JSON-RPC, and logs an unknown notification once", () => {
    const s = started();
    expect(s.decodeLine("panic: oh no")).toEqual([{ kind: "malformed", line: "panic: oh no" }]);
    expect(s.decodeLine("[1,2]")).toEqual([{ kind: "malformed", line: "[1,2]" }]);
    expect(s.decodeLine("")).toEqual([]);
    expect(s.decodeLine(note("thread/brandNew", {}))).toEqual([
      { kind: "log", line: 'codex notification "thread/brandNew" (ignored)' },
    ]);
    expect(s.decodeLine(note("thread/brandNew", {}))).toEqual([]);
  });
});
