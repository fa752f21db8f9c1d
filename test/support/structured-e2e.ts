/**
 * The world of the real-CLI structured-actor tests (Claude Code, Codex): a real agent CLI as `lead`
 * between the fake DingTalk and the fake model, with a follower of the group's stream and the
 * ledger helpers those tests share. The model answers "…long…" with LONG, "…via the tool…" through
 * CCCC's MCP reply tool, anything else with "pong: <text>, streamed in several small words".
 */

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ChatStreamItem } from "../../src/daemon/stream-hub.js";
import type { ChatMessageData, LedgerEvent } from "../../src/kernel/types.js";
import type { AgentHome } from "./agent-clis.js";
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

export async function startStructuredE2e(
  runtime: "claude" | "codex",
  setup: (modelUrl: string) => { home: AgentHome; env: NodeJS.ProcessEnv },
): Promise<StructuredE2e> {
  const r = await startRealAgentWorld(runtime, setup, {
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
