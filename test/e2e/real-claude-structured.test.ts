/**
 * The real Claude Code CLI (pinned) as a structured actor, the default for `--runtime claude`,
 * between the fake DingTalk and the fake model: a DingTalk message streams live (chat.stream
 * snapshots with partial text before the final message), the final reply lands once with reply_to;
 * an MCP answer is not doubled; a daemon restart resumes the session; /stop ends a long turn.
 */

import { describe, expect, it } from "vitest";
import { DIRECT } from "../support/real-agent-world.js";
import {
  expectLongTurnStopped,
  expectMcpAnswerNotDoubled,
  expectStreamedReplyOnce,
  structuredSuite,
} from "../support/structured-e2e.js";

const s = structuredSuite("claude");

describe("real Claude Code as a structured actor", () => {
  it("is the default runner for --runtime claude", async () => {
    expect(await s.r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+claude\s+structured\s+running/);
  });

  it("streams a DingTalk message's reply live, then posts it once with reply_to", async () => {
    await expectStreamedReplyOnce(s);
  }, 120_000);

  it("does not double a reply the agent sent through CCCC's MCP tool", async () => {
    await expectMcpAnswerNotDoubled(s);
  }, 120_000);

  it("resumes the same conversation after a daemon restart", async () => {
    expect(s.sessionId()).toMatch(/^[0-9a-f-]{36}$/);
    await s.restartDaemon();
    const before = s.r.model.requests.length;
    s.r.world.fake.push(s.r.world.fake.robotMessage({ ...DIRECT, text: "after the restart" }));
    await s.r.world.waitSent(/pong: after the restart/, "the reply after the restart");
    const turn = s.r.model.requests
      .slice(before)
      .map((q) => JSON.stringify(q.body))
      .find((b) => b.includes("after the restart"));
    // The model sees the earlier turns: the session was resumed, not started anew.
    expect(turn?.includes("请看一下构建"), "the earlier turn in the model request").toBe(true);
    expect(s.sessionId()).toBeTruthy();
  }, 180_000);

  it("/stop from DingTalk ends a long turn; the stream ends interrupted", async () => {
    await expectLongTurnStopped(s, async () => {
      s.r.world.fake.push(s.r.world.fake.robotMessage({ ...DIRECT, text: "/stop" }));
      await s.r.world.waitSent(/Stopped lead's current reply/, "the /stop confirmation");
    });
  }, 180_000);
});
