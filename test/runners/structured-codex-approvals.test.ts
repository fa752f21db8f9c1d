/**
 * Codex in permission mode `ask` (pure): the thread asks (approval policy "untrusted"); exec and patch
 * approval requests become `approval` signals with a readable tool call (lines shaped like the pinned
 * CLI's 0.169.0, observed against test/fakes/model); the decision becomes Codex's answer on the same
 * request id; bypass mode still answers at once. The daemon side: test/daemon/structured-codex-approvals.
 */

import { describe, expect, it } from "vitest";
import { summarizeToolCall } from "../../src/kernel/approval.js";
import { CodexSession } from "../../src/runners/structured-codex.js";
import { unwrapShell } from "../../src/runners/structured-codex-approvals.js";
import type { SessionSignal } from "../../src/runners/structured-protocol.js";

const THREAD = "01a23081-7346-7d73-92d6-96fc2cc359e7";
const TURN = "01a23081-7364-7a32-b666-0e9818f74357";
const line = (v: unknown) => JSON.stringify(v);
const sent = (s: string) =>
  JSON.parse(s) as {
    id?: number | string;
    method?: string;
    params?: Record<string, unknown>;
    result?: unknown;
  };

/** A session in `mode` through its handshake, with one turn running; returns it and its thread/start. */
function running(mode: "ask" | "bypass") {
  const s = new CodexSession({ cwd: "/p", instructions: "i", clientVersion: "0.1.0", permissions: mode });
  s.open();
  const out = s.decodeLine(line({ id: 1, result: { userAgent: "x" } }));
  const start = out.flatMap((o) => (o.kind === "write" ? [sent(o.line)] : [])).find((w) => w.method);
  s.decodeLine(line({ id: 2, result: { thread: { id: THREAD } } }));
  const turn = sent(s.encodeTurn("[cccc] user → lead (reply:abcdef12): run x.txt"));
  s.decodeLine(line({ id: turn.id, result: { turn: { id: TURN, status: "inProgress", items: [] } } }));
  return { s, start: start?.method === "initialized" ? undefined : start, out };
}

const threadStart = (mode: "ask" | "bypass") =>
  running(mode)
    .out.flatMap((o) => (o.kind === "write" ? [sent(o.line)] : []))
    .find((w) => w.method === "thread/start");

const EXEC = {
  method: "item/commandExecution/requestApproval",
  id: 0,
  params: {
    kind: "command",
    threadId: THREAD,
    turnId: TURN,
    itemId: "call_fake000003",
    startedAtMs: 1,
    environmentId: "local",
    command: "/bin/bash -lc 'touch x.txt'",
    cwd: "/p",
    commandActions: [{ type: "unknown", command: "touch x.txt" }],
    proposedExecpolicyAmendment: ["touch", "x.txt"],
    availableDecisions: [
      "accept",
      { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch"] } },
      "cancel",
    ],
  },
};

function approval(signals: SessionSignal[]) {
  const a = signals.find((x) => x.kind === "approval");
  if (a?.kind !== "approval") throw new Error(`no approval signal in ${JSON.stringify(signals)}`);
  return a;
}

describe("codex in permission mode ask", () => {
  it("starts the thread with approval policy untrusted (bypass: never)", () => {
    expect(threadStart("ask")?.params).toMatchObject({
      approvalPolicy: "untrusted",
      sandbox: "danger-full-access",
    });
    expect(threadStart("bypass")?.params).toMatchObject({ approvalPolicy: "never" });
  });

  it("turns a command approval request into an approval signal and answers on the same id", () => {
    const { s } = running("ask");
    const signals = s.decodeLine(line(EXEC));
    expect(signals.some((x) => x.kind === "write")).toBe(false);
    const a = approval(signals);
    expect(a.request).toEqual({
      tool: "Shell",
      input: { command: "touch x.txt", cwd: "/p" },
      toolUseId: `${TURN}:call_fake000003`,
    });
    expect(summarizeToolCall(a.request.tool, a.request.input)).toBe("Run: touch x.txt\n(in /p)");
    expect(sent(a.answer({ decision: "approve" }))).toEqual({ id: 0, result: { decision: "accept" } });
    expect(sent(a.answer({ decision: "deny", message: "no" }))).toEqual({
      id: 0,
      result: { decision: "decline" },
    });
    // "acceptForSession" is not offered for this command: "always" accepts it (CCCC's rule does the rest).
    expect(sent(a.answer({ decision: "always" }))).toEqual({ id: 0, result: { decision: "accept" } });
    const offered = {
      ...EXEC,
      id: "r1",
      params: { ...EXEC.params, availableDecisions: ["accept", "acceptForSession", "decline"] },
    };
    expect(sent(approval(s.decodeLine(line(offered))).answer({ decision: "always" }))).toEqual({
      id: "r1",
      result: { decision: "acceptForSession" },
    });
  });

  it("names the files of a patch request from the fileChange item Codex announced", () => {
    const { s } = running("ask");
    const changes = [
      { path: "/p/notes.md", kind: { type: "add" }, diff: "+hello\n" },
      { path: "/p/src/app.ts", kind: { type: "update", move_path: null }, diff: "@@ -1 +1 @@\n-a\n+b\n" },
    ];
    s.decodeLine(
      line({
        method: "item/started",
        params: {
          threadId: THREAD,
          turnId: TURN,
          item: { type: "fileChange", id: "call_p", changes, status: "inProgress" },
        },
      }),
    );
    const a = approval(
      s.decodeLine(
        line({
          method: "item/fileChange/requestApproval",
          id: 4,
          params: { threadId: THREAD, turnId: TURN, itemId: "call_p", startedAtMs: 1, reason: null },
        }),
      ),
    );
    expect(a.request.tool).toBe("ApplyPatch");
    expect(a.request.toolUseId).toBe(`${TURN}:call_p`);
    expect(summarizeToolCall(a.request.tool, a.request.input)).toBe(
      "Change files: add /p/notes.md, update /p/src/app.ts\n+hello",
    );
    expect(sent(a.answer({ decision: "always" }))).toEqual({
      id: 4,
      result: { decision: "acceptForSession" },
    });
    expect(sent(a.answer({ decision: "deny", message: "no" }))).toEqual({
      id: 4,
      result: { decision: "decline" },
    });
  });

  it("answers the older exec/patch requests with their own decisions, a denial's message included", () => {
    const { s } = running("ask");
    const exec = approval(
      s.decodeLine(
        line({
          method: "execCommandApproval",
          id: 5,
          params: {
            conversationId: THREAD,
            callId: "c5",
            approvalId: null,
            command: ["bash", "-lc", "rm -rf build"],
            cwd: "/p",
            reason: null,
            parsedCmd: [],
          },
        }),
      ),
    );
    expect(exec.request.input).toEqual({ command: "rm -rf build", cwd: "/p" });
    expect(sent(exec.answer({ decision: "approve" })).result).toEqual({ decision: "approved" });
    expect(sent(exec.answer({ decision: "always" })).result).toEqual({ decision: "approved_for_session" });
    expect(sent(exec.answer({ decision: "deny", message: "Denied by 张三: not now" })).result).toEqual({
      decision: { denied: { rejection: "Denied by 张三: not now" } },
    });
    const patch = approval(
      s.decodeLine(
        line({
          method: "applyPatchApproval",
          id: 6,
          params: {
            conversationId: THREAD,
            callId: "c6",
            fileChanges: { "a.txt": { type: "add", content: "x" } },
            reason: null,
            grantRoot: null,
          },
        }),
      ),
    );
    expect(patch.request.input).toEqual({ changes: [{ path: "a.txt", kind: "add", diff: "x" }] });
  });

  it("in bypass mode still approves at once, and other requests are declined in both modes", () => {
    const bypass = running("bypass").s.decodeLine(line(EXEC));
    expect(bypass.map((x) => (x.kind === "write" ? sent(x.line) : x.kind))).toContainEqual({
      id: 0,
      result: { decision: "accept" },
    });
    const other = running("ask").s.decodeLine(
      line({ id: 9, method: "item/permissions/requestApproval", params: {} }),
    );
    expect(other.some((x) => x.kind === "approval")).toBe(false);
    expect(other.flatMap((x) => (x.kind === "write" ? [sent(x.line)] : []))[0]).toMatchObject({
      id: 9,
      error: {},
    });
  });

  it("shows the command as typed, not Codex's shell wrapper", () => {
    expect(unwrapShell("/bin/bash -lc 'touch x.txt'")).toBe("touch x.txt");
    expect(unwrapShell("bash -c 'echo '\\''hi'\\'''")).toBe("echo 'hi'");
    expect(unwrapShell("zsh -lc 'a' extra")).toBe("zsh -lc 'a' extra");
    expect(unwrapShell("npm test")).toBe("npm test");
  });
});
