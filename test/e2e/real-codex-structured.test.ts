/**
 * The real Codex CLI (pinned) as a structured actor (`codex app-server`), the default for
 * `--runtime codex`, between the fake DingTalk and the fake model (OpenAI Responses API): a DingTalk
 * message's reply streams live (chat.stream snapshots with partial text before the end) and lands once
 * in the ledger with reply_to; an answer through CCCC's MCP tool is not doubled (so the MCP server
 * got the CCCC_* identity); `cccc actor interrupt` stops a long turn; a daemon restart resumes the
 * same Codex thread.
 */

import { describe, expect, it } from "vitest";
import { CODEX_REPLY_TOOL } from "../fakes/model/index.js";
import { DIRECT } from "../support/real-agent-world.js";
import {
  expectLongTurnStopped,
  expectMcpAnswerNotDoubled,
  expectStreamedReplyOnce,
  structuredSuite,
} from "../support/structured-e2e.js";

const s = structuredSuite("codex");

describe("real Codex as a structured actor (codex app-server)", () => {
  it("is the default runner for --runtime codex", async () => {
    expect(await s.r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+codex\s+structured\s+running/);
  });

  it("streams a DingTalk message's reply live, then posts it once with reply_to", async () => {
    const { start } = await expectStreamedReplyOnce(s);
    expect(start.data).toMatchObject({ op: "start", actor_id: "lead", to: ["user"] });
    expect(s.sessionId()).toMatch(/^[0-9a-f-]{36}$/);
  }, 120_000);

  it("answers through CCCC's MCP tool with its identity, and the answer is not doubled", async () => {
    const sid = await expectMcpAnswerNotDoubled(s);
    // The tool call was seen as activity on the stream.
    expect(s.f.streams(sid).some((i) => i.data.activity === "cccc: message_reply")).toBe(true);
    expect(s.r.model.requests.some((q) => q.answer === CODEX_REPLY_TOOL)).toBe(true);
  }, 120_000);

  it("cccc actor interrupt stops a long turn; the stream ends interrupted", async () => {
    await expectLongTurnStopped(s, async () => {
      expect(await s.r.world.cli(["actor", "interrupt", "lead"])).toMatch(/interrupted lead/);
    });
    // The same process goes on: the next message was answered without a restart.
    expect(await s.r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+codex\s+structured\s+running/);
  }, 180_000);

  it("resumes the same Codex thread after a daemon restart", async () => {
    const thread = s.sessionId();
    await s.restartDaemon();
    const before = s.r.model.requests.length;
    s.r.world.fake.push(s.r.world.fake.robotMessage({ ...DIRECT, text: "after the restart" }));
    await s.r.waitReply(/pong: after the restart/, "the reply after the restart");
    const turn = s.r.model.requests
      .slice(before)
      .map((q) => JSON.stringify(q.body))
      .find((b) => b.includes("after the restart"));
    // The model sees the earlier turns, and the thread id is the one kept before the restart.
    expect(turn?.includes("请看一下构建"), "the earlier turn in the model request").toBe(true);
    expect(s.sessionId()).toBe(thread);
  }, 180_000);
});
