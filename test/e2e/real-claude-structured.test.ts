/**
 * The real Claude Code CLI (pinned) as a structured actor, the default for `--runtime claude`,
 * between the fake DingTalk and the fake model: a DingTalk message streams live (chat.stream
 * snapshots with partial text before the final message), the final reply lands once with reply_to;
 * an MCP answer is not doubled; a daemon restart resumes the session; /stop ends a long turn.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeEnv, claudeHome, ensureAgentCli } from "../support/agent-clis.js";
import { waitFor } from "../support/cli.js";
import { DIRECT } from "../support/real-agent-world.js";
import { LONG, type StructuredE2e, startStructuredE2e } from "../support/structured-e2e.js";

const API_KEY = "sk-ant-fake-0123456789abcdefghijklmnop";
let s: StructuredE2e;

beforeAll(async () => {
  const bin = ensureAgentCli("claude");
  s = await startStructuredE2e("claude", (url) => {
    const h = claudeHome({ apiKey: API_KEY });
    return { home: h, env: claudeEnv(bin, h, url, API_KEY) };
  });
}, 15 * 60_000);
afterAll(async () => {
  await s?.close();
});

describe("real Claude Code as a structured actor", () => {
  it("is the default runner for --runtime claude", async () => {
    expect(await s.r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+claude\s+structured\s+running/);
  });

  it("streams a DingTalk message's reply live, then posts it once with reply_to", async () => {
    const msg = await s.ask("请看一下构建");
    const sid = (await s.streamFor(msg)).data.stream_id;
    const end = await s.endOf(sid);
    expect(end.data.state).toBe("done");
    const final = "pong: 请看一下构建, streamed in several small words";
    const partial = s.f
      .streams(sid)
      .find((i) => i.data.op === "update" && i.data.text.length > 0 && i.data.text.length < final.length);
    expect(partial, "an update with partial text before the end").toBeDefined();
    await s.r.world.waitSent(/pong: 请看一下构建, streamed/, "the reply in the DingTalk chat");
    await new Promise((ok) => setTimeout(ok, 500));
    const replies = await s.repliesTo(msg);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.by).toBe("lead");
    expect(replies[0]?.data).toMatchObject({ text: final, to: ["user"], stream_id: sid });
    expect(s.r.world.sentText().filter((t) => t.includes("pong: 请看一下构建"))).toHaveLength(1);
  }, 120_000);

  it("does not double a reply the agent sent through CCCC's MCP tool", async () => {
    const msg = await s.ask("answer via the tool");
    await s.endOf((await s.streamFor(msg)).data.stream_id);
    await s.r.world.waitSent(/pong: answer via the tool/, "the MCP reply in DingTalk");
    await new Promise((ok) => setTimeout(ok, 500));
    const replies = await s.repliesTo(msg);
    expect(replies.map((m) => m.data.text)).toEqual([
      "pong: answer via the tool, streamed in several small words",
    ]);
    expect(replies[0]?.data.stream_id).toBeUndefined();
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
    const msg = await s.ask("a long one please");
    const sid = (await s.streamFor(msg)).data.stream_id;
    await s.f.waitStream(
      (i) => i.data.stream_id === sid && i.data.text.includes("word5 "),
      "partial text",
      60_000,
    );
    s.r.world.fake.push(s.r.world.fake.robotMessage({ ...DIRECT, text: "/stop" }));
    await s.r.world.waitSent(/Stopped lead's current reply/, "the /stop confirmation");
    const end = await s.endOf(sid, 30_000);
    expect(end.data.state).toBe("interrupted");
    expect(end.data.text.length).toBeLessThan(LONG.length);
    const replies = await waitFor(async () => (await s.repliesTo(msg))[0], 20_000, "the partial reply");
    expect(replies.data.text).toMatch(/^word0 [\s\S]*_\(interrupted\)_$/);
    // The session goes on: the next message is answered.
    s.r.world.fake.push(s.r.world.fake.robotMessage({ ...DIRECT, text: "still there?" }));
    await s.r.world.waitSent(/pong: still there\?/, "a reply after /stop");
  }, 180_000);
});
