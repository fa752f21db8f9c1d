/**
 * The world of the real-CLI structured-actor tests (Claude Code, Codex): a real agent CLI as `lead`
 * between the fake DingTalk and the fake model, with a follower of the group's stream and the
 * ledger helpers those tests share. The model answers "…long…" with LONG, "…via the tool…" through
 * CCCC's MCP reply tool, anything else with "pong: <text>, streamed in several small words".
 * The scenarios both runtimes pass are here too; each test file adds its runtime's own checks.
 */

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { ChatStreamItem } from "../../src/daemon/stream-hub.js";
import type { ChatMessageData, LedgerEvent } from "../../src/kernel/types.js";
import { waitFor } from "./cli.js";
import { startTestDaemon } from "./daemon.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "./real-agent-world.js";
import { type Follower, follow } from "./stream-follower.js";

export const LONG = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");

export interface StructuredE2e {
  r: RealAgentWorld;
  /** The group's stream follower (a new one after `restartDaemon`). */
  f: Follower;
  /** CCCC_HOME of the daemon. */
  home: string;
  messages(): Promise<LedgerEvent<ChatMessageData>[]>;
  /** Pushes `text` from DingTalk (direct chat) and waits for it in the ledger. */
  ask(text: string): Promise<LedgerEvent<ChatMessageData>>;
  repliesTo(msg: LedgerEvent): Promise<LedgerEvent<ChatMessageData>[]>;
  /** The stream started for `msg` (its start names it in reply_to). */
  streamFor(msg: LedgerEvent): Promise<ChatStreamItem>;
  /** The end item of stream `sid`. */
  endOf(sid: string, timeoutMs?: number): Promise<ChatStreamItem>;
  /** The session id (Claude session, Codex thread) kept in the actor's state file. */
  sessionId(): string;
  /** Stops the daemon and starts a new one on the same home; resolves once the bridge reconnected. */
  restartDaemon(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Registers the suite's beforeAll/afterAll around startStructuredE2e(runtime); the returned object
 * forwards to the started world (and throws if it did not start).
 */
export function structuredSuite(runtime: "claude" | "codex"): StructuredE2e {
  let s: StructuredE2e | undefined;
  beforeAll(async () => {
    s = await startStructuredE2e(runtime);
  }, 15 * 60_000);
  afterAll(async () => {
    await s?.close();
  });
  return new Proxy({} as StructuredE2e, {
    get(_, key) {
      if (!s) throw new Error(`the ${runtime} structured world did not start`);
      return Reflect.get(s, key);
    },
  });
}

export async function startStructuredE2e(runtime: "claude" | "codex"): Promise<StructuredE2e> {
  const r = await startRealAgentWorld(runtime, {
    model: {
      script: {
        answer: (m) => (m.text.includes("via the tool") ? "tool" : "text"),
        reply: (m) => (m.text.includes("long") ? LONG : `pong: ${m.text}, streamed in several small words`),
        chunkMs: 40,
      },
    },
  });
  const home = r.world.t.home.root;
  const messages = (): Promise<LedgerEvent<ChatMessageData>[]> =>
    r.world.t.daemon.ctx.kernel
      .group(r.world.gid)
      .ledger.read(0, 10_000)
      .then((all) => all.filter((e) => e.kind === "chat.message") as LedgerEvent<ChatMessageData>[]);
  const s: StructuredE2e = {
    r,
    f: await follow(r.world.t.daemon.url, r.world.gid),
    home,
    messages,
    async ask(text) {
      r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text }));
      return waitFor(
        async () => (await messages()).find((m) => m.by === "user" && m.data.text === text),
        30_000,
        `"${text}" in the ledger`,
      );
    },
    repliesTo: async (msg) => (await messages()).filter((m) => m.data.reply_to === msg.id),
    streamFor: (msg) => s.f.waitStream((i) => i.data.reply_to === msg.id, "the stream's start", 60_000),
    endOf: (sid, timeoutMs = 60_000) =>
      s.f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the stream's end", timeoutMs),
    sessionId: () =>
      (
        JSON.parse(
          readFileSync(join(home, "groups", r.world.gid, "state", "actors", "lead.json"), "utf8"),
        ) as {
          session_id: string;
        }
      ).session_id,
    async restartDaemon() {
      s.f.close();
      await r.world.t.daemon.close();
      r.world.t = await startTestDaemon({ ...r.world.cliEnv, CCCC_HOME: undefined }, home);
      s.f = await follow(r.world.t.daemon.url, r.world.gid);
      await waitFor(() => r.world.fake.liveConnections().length > 0, 30_000, "the bridge reconnected");
    },
    async close() {
      s.f.close();
      await r.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
  return s;
}

/** A DingTalk message's reply streams live (a partial update before the end), then lands once with reply_to. */
export async function expectStreamedReplyOnce(
  s: StructuredE2e,
): Promise<{ start: ChatStreamItem; end: ChatStreamItem }> {
  const msg = await s.ask("请看一下构建");
  const start = await s.streamFor(msg);
  const sid = start.data.stream_id;
  const end = await s.endOf(sid);
  expect(end.data.state).toBe("done");
  const final = "pong: 请看一下构建, streamed in several small words";
  const partial = s.f
    .streams(sid)
    .find((i) => i.data.op === "update" && i.data.text.length > 0 && i.data.text.length < final.length);
  expect(partial, "an update with partial text before the end").toBeDefined();
  await s.r.waitReply(/pong: 请看一下构建, streamed/, "the reply in the DingTalk chat");
  await new Promise((ok) => setTimeout(ok, 500));
  const replies = await s.repliesTo(msg);
  expect(replies).toHaveLength(1);
  expect(replies[0]?.by).toBe("lead");
  expect(replies[0]?.data).toMatchObject({ text: final, to: ["user"], stream_id: sid });
  expect(end.data.event_id).toBe(replies[0]?.id);
  expect(s.r.world.sentText().filter((t) => t.includes("pong: 请看一下构建"))).toHaveLength(1);
  return { start, end };
}

/** The agent answers through CCCC's MCP tool: that answer reaches DingTalk and is not doubled. Returns the stream id. */
export async function expectMcpAnswerNotDoubled(s: StructuredE2e): Promise<string> {
  const msg = await s.ask("answer via the tool");
  const sid = (await s.streamFor(msg)).data.stream_id;
  await s.endOf(sid);
  await s.r.waitReply(/pong: answer via the tool/, "the MCP reply in DingTalk");
  await new Promise((ok) => setTimeout(ok, 500));
  const replies = await s.repliesTo(msg);
  expect(replies.map((m) => m.data.text)).toEqual([
    "pong: answer via the tool, streamed in several small words",
  ]);
  expect(replies[0]?.data.stream_id).toBeUndefined();
  return sid;
}

/**
 * A long turn stopped by `stop` (DingTalk /stop, `cccc actor interrupt`) mid-stream ends interrupted,
 * its partial text posted with _(interrupted)_; the next message is answered.
 */
export async function expectLongTurnStopped(s: StructuredE2e, stop: () => Promise<void>): Promise<void> {
  const msg = await s.ask("a long one please");
  const sid = (await s.streamFor(msg)).data.stream_id;
  await s.f.waitStream(
    (i) => i.data.stream_id === sid && i.data.text.includes("word5 "),
    "partial text",
    60_000,
  );
  await stop();
  const end = await s.endOf(sid, 30_000);
  expect(end.data.state).toBe("interrupted");
  expect(end.data.text.length).toBeLessThan(LONG.length);
  const reply = await waitFor(async () => (await s.repliesTo(msg))[0], 20_000, "the partial reply");
  expect(reply.data.text).toMatch(/^word0 [\s\S]*_\(interrupted\)_$/);
  s.r.world.fake.push(s.r.world.fake.robotMessage({ ...DIRECT, text: "still there?" }));
  await s.r.waitReply(/pong: still there\?/, "a reply after the stop");
}
