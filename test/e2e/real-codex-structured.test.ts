/**
 * The real Codex CLI (pinned) as a structured actor (`codex app-server`), the default for
 * `--runtime codex`, between the fake DingTalk and the fake model (OpenAI Responses API): a DingTalk
 * message's reply streams live (chat.stream snapshots with partial text before the end) and lands once
 * in the ledger with reply_to; an answer through CCCC's MCP tool is not doubled (so the MCP server
 * got the CCCC_* identity); `cccc actor interrupt` stops a long turn; a daemon restart resumes the
 * same Codex thread.
 */

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessageData, LedgerEvent } from "../../src/kernel/types.js";
import { CODEX_REPLY_TOOL } from "../fakes/model/index.js";
import { codexEnv, codexHome, ensureAgentCli } from "../support/agent-clis.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon } from "../support/daemon.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";
import { type Follower, follow } from "../support/stream-follower.js";

const LONG = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
let bin: string;
let r: RealAgentWorld;
let f: Follower;
let home = "";

const messages = (): Promise<LedgerEvent<ChatMessageData>[]> =>
  r.world.t.daemon.ctx.kernel
    .group(r.world.gid)
    .ledger.read(0, 10_000)
    .then((all) => all.filter((e) => e.kind === "chat.message") as LedgerEvent<ChatMessageData>[]);

async function userMessage(text: string): Promise<LedgerEvent<ChatMessageData>> {
  return waitFor(
    async () => (await messages()).find((m) => m.by === "user" && m.data.text === text),
    30_000,
    `"${text}" in the ledger`,
  );
}

async function repliesTo(msg: LedgerEvent): Promise<LedgerEvent<ChatMessageData>[]> {
  return (await messages()).filter((m) => m.data.reply_to === msg.id);
}

const threadOf = (): string =>
  (
    JSON.parse(readFileSync(join(home, "groups", r.world.gid, "state", "actors", "lead.json"), "utf8")) as {
      session_id: string;
    }
  ).session_id;

beforeAll(async () => {
  bin = ensureAgentCli("codex");
  r = await startRealAgentWorld(
    "codex",
    (url) => {
      const h = codexHome(url);
      return { home: h, env: codexEnv(bin, h) };
    },
    {
      model: {
        script: {
          answer: (m) => (m.text.includes("via the tool") ? "tool" : "text"),
          reply: (m) => (m.text.includes("long") ? LONG : `pong: ${m.text}, streamed in several small words`),
          chunkMs: 40,
        },
      },
    },
  );
  home = r.world.t.home.root;
  f = await follow(r.world.t.daemon.url, r.world.gid);
}, 15 * 60_000);
afterAll(async () => {
  f?.close();
  await r?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("real Codex as a structured actor (codex app-server)", () => {
  it("is the default runner for --runtime codex", async () => {
    expect(await r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+codex\s+structured\s+running/);
  });

  it("streams a DingTalk message's reply live, then posts it once with reply_to", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "请看一下构建" }));
    const msg = await userMessage("请看一下构建");
    const start = await f.waitStream((i) => i.data.reply_to === msg.id, "the stream's start", 60_000);
    expect(start.data).toMatchObject({ op: "start", actor_id: "lead", to: ["user"] });
    const sid = start.data.stream_id;
    const end = await f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the end", 60_000);
    expect(end.data.state).toBe("done");
    const final = "pong: 请看一下构建, streamed in several small words";
    const partial = f
      .streams(sid)
      .find((i) => i.data.op === "update" && i.data.text.length > 0 && i.data.text.length < final.length);
    expect(partial, "an update with partial text before the end").toBeDefined();
    await r.world.waitSent(/pong: 请看一下构建, streamed/, "the reply in the DingTalk chat");
    await new Promise((ok) => setTimeout(ok, 500));
    const replies = await repliesTo(msg);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.by).toBe("lead");
    expect(replies[0]?.data).toMatchObject({ text: final, to: ["user"], stream_id: sid });
    expect(end.data.event_id).toBe(replies[0]?.id);
    expect(r.world.sentText().filter((s) => s.includes("pong: 请看一下构建"))).toHaveLength(1);
    expect(threadOf()).toMatch(/^[0-9a-f-]{36}$/);
  }, 120_000);

  it("answers through CCCC's MCP tool with its identity, and the answer is not doubled", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "answer via the tool" }));
    const msg = await userMessage("answer via the tool");
    const start = await f.waitStream((i) => i.data.reply_to === msg.id, "the stream", 60_000);
    await f.waitStream(
      (i) => i.data.stream_id === start.data.stream_id && i.data.op === "end",
      "the end",
      60_000,
    );
    await r.waitReply(/pong: answer via the tool/, "the MCP reply in DingTalk");
    // The tool call was seen as activity on the stream.
    expect(f.streams(start.data.stream_id).some((i) => i.data.activity === "cccc: message_reply")).toBe(true);
    expect(r.model.requests.some((q) => q.answer === CODEX_REPLY_TOOL)).toBe(true);
    await new Promise((ok) => setTimeout(ok, 500));
    const replies = await repliesTo(msg);
    expect(replies.map((m) => m.data.text)).toEqual([
      "pong: answer via the tool, streamed in several small words",
    ]);
    expect(replies[0]?.data.stream_id).toBeUndefined();
  }, 120_000);

  it("cccc actor interrupt stops a long turn; the stream ends interrupted", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "a long one please" }));
    const msg = await userMessage("a long one please");
    const start = await f.waitStream((i) => i.data.reply_to === msg.id, "the stream", 60_000);
    const sid = start.data.stream_id;
    await f.waitStream(
      (i) => i.data.stream_id === sid && i.data.text.includes("word5 "),
      "partial text",
      60_000,
    );
    expect(await r.world.cli(["actor", "interrupt", "lead"])).toMatch(/interrupted lead/);
    const end = await f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the end", 30_000);
    expect(end.data.state).toBe("interrupted");
    expect(end.data.text.length).toBeLessThan(LONG.length);
    const reply = await waitFor(async () => (await repliesTo(msg))[0], 20_000, "the partial reply");
    expect(reply.data.text).toMatch(/^word0 [\s\S]*_\(interrupted\)_$/);
    // The same process goes on: the next message is answered without a restart.
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "still there?" }));
    await r.waitReply(/pong: still there\?/, "a reply after the interrupt");
    expect(await r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+codex\s+structured\s+running/);
  }, 180_000);

  it("resumes the same Codex thread after a daemon restart", async () => {
    const thread = threadOf();
    f.close();
    await r.world.t.daemon.close();
    const env = { ...r.world.cliEnv, CCCC_HOME: undefined };
    r.world.t = await startTestDaemon(env, home);
    f = await follow(r.world.t.daemon.url, r.world.gid);
    await waitFor(() => r.world.fake.liveConnections().length > 0, 30_000, "the bridge reconnected");
    const before = r.model.requests.length;
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "after the restart" }));
    await r.waitReply(/pong: after the restart/, "the reply after the restart");
    const turn = r.model.requests
      .slice(before)
      .map((q) => JSON.stringify(q.body))
      .find((b) => b.includes("after the restart"));
    // The model sees the earlier turns, and the thread id is the one kept before the restart.
    expect(turn?.includes("请看一下构建"), "the earlier turn in the model request").toBe(true);
    expect(threadOf()).toBe(thread);
  }, 180_000);
});
