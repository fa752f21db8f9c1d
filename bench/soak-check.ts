/**
 * End-to-end accounting of a soak run. Every user message token is followed through four stages:
 * the ledger (a user `chat.message`), the agent (its journal), the agent's reply (an actor
 * `chat.message` "re <token> <actor>"), and every approved chat (the fake's `sent` records). A token
 * that stops at a stage is lost *at that stage*, which names the layer to look at.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SentRecord } from "./soak-drive.js";
import { ACTORS, type SoakWorld } from "./soak-world.js";

const TOKEN = /\bsk\d+-\d{4}\b/;
const REPLY = /re (sk\d+-\d{4}) (lead|peer1|peer2)\b/g;

export interface LedgerLine {
  id: string;
  seq: number;
  ts: string;
  kind: string;
  by: string;
  data: { text?: string; source?: { message_id?: string }; attachments?: unknown[] };
}

export type Stage = "inbound" | "agent delivery" | "agent reply" | "outbound";

export interface Loss {
  stage: Stage;
  token: string;
  actor?: string;
  chat?: string;
}

export interface Accounting {
  userEvents: Map<string, LedgerLine[]>;
  recv: Map<string, number>;
  replies: Map<string, LedgerLine[]>;
  /** `${token}|${actor}|${chat}` → send times. */
  sends: Map<string, number[]>;
  /** `${token}|${chat}` → file sends (agent attachments). */
  files: Map<string, number>;
  losses: Loss[];
  expectedChatReplies: number;
  deliveredChatReplies: number;
  expectedAgentDeliveries: number;
  agentDeliveries: number;
  repliesWritten: number;
  inboundDuplicates: number;
  agentRedeliveries: number;
  replyDuplicates: number;
  /** Extra copies of a reply in each chat. */
  chatDuplicates: Map<string, number>;
  latencies: number[];
  fileRepliesExpected: number;
  fileRepliesDelivered: number;
}

export function readLedger(path: string): LedgerLine[] {
  if (!existsSync(path)) return [];
  const out: LedgerLine[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LedgerLine);
    } catch {
      // A torn last line is repaired by the daemon on open; skip it here.
    }
  }
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function account(world: SoakWorld, sent: SentRecord[]): Accounting {
  const ledger = readLedger(join(world.groupDir, "ledger.jsonl"));
  const userEvents = new Map<string, LedgerLine[]>();
  const replies = new Map<string, LedgerLine[]>();
  for (const e of ledger) {
    if (e.kind !== "chat.message") continue;
    const text = e.data.text ?? "";
    if (e.by === "user") {
      const token = TOKEN.exec(text)?.[0];
      if (token && e.data.source) push(userEvents, token, e);
    } else if ((ACTORS as readonly string[]).includes(e.by)) {
      const m = /^re (sk\d+-\d{4}) (\S+)/.exec(text);
      if (m) push(replies, `${m[1]}|${m[2]}`, e);
    }
  }
  const recv = new Map<string, number>();
  for (const actor of ACTORS) {
    const path = join(world.home, "soak-agents", `${actor}.jsonl`);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      try {
        const j = JSON.parse(line) as { ev?: string; token?: string };
        if (j.ev === "recv" && j.token)
          recv.set(`${j.token}|${actor}`, (recv.get(`${j.token}|${actor}`) ?? 0) + 1);
      } catch {
        // blank or torn line
      }
    }
  }
  const sends = new Map<string, number[]>();
  const files = new Map<string, number>();
  const mediaToken = new Map(world.fake.uploads.map((u) => [u.mediaId, TOKEN.exec(u.name)?.[0]]));
  for (const s of world.fake.sent) {
    const chat = world.chatOf(s.target);
    if (!chat) continue;
    const keys = new Set([...JSON.stringify(s.msgParam).matchAll(REPLY)].map((m) => `${m[1]}|${m[2]}`));
    for (const k of keys) push(sends, `${k}|${chat.conversationId}`, s.at);
    const fileToken = mediaToken.get(String(s.msgParam.mediaId ?? ""));
    if (fileToken)
      files.set(
        `${fileToken}|${chat.conversationId}`,
        (files.get(`${fileToken}|${chat.conversationId}`) ?? 0) + 1,
      );
  }

  const a: Accounting = {
    userEvents,
    recv,
    replies,
    sends,
    files,
    losses: [],
    expectedChatReplies: 0,
    deliveredChatReplies: 0,
    expectedAgentDeliveries: 0,
    agentDeliveries: 0,
    repliesWritten: 0,
    inboundDuplicates: 0,
    agentRedeliveries: 0,
    replyDuplicates: 0,
    chatDuplicates: new Map(world.chats.map((c) => [c.conversationId, 0])),
    latencies: [],
    fileRepliesExpected: 0,
    fileRepliesDelivered: 0,
  };
  for (const m of sent) {
    const events = userEvents.get(m.token) ?? [];
    a.inboundDuplicates += Math.max(0, events.length - 1);
    a.expectedAgentDeliveries += m.expected.length;
    a.expectedChatReplies += m.expected.length * world.chats.length;
    if (events.length === 0) {
      a.losses.push({ stage: "inbound", token: m.token });
      continue;
    }
    for (const actor of m.expected) {
      const key = `${m.token}|${actor}`;
      const got = recv.get(key) ?? 0;
      a.agentRedeliveries += Math.max(0, got - 1);
      if (got === 0) {
        a.losses.push({ stage: "agent delivery", token: m.token, actor });
        continue;
      }
      a.agentDeliveries++;
      const written = replies.get(key) ?? [];
      a.replyDuplicates += Math.max(0, written.length - 1);
      if (written.length === 0) {
        a.losses.push({ stage: "agent reply", token: m.token, actor });
        continue;
      }
      a.repliesWritten++;
      for (const chat of world.chats) {
        const times = sends.get(`${key}|${chat.conversationId}`) ?? [];
        if (times.length === 0) {
          a.losses.push({ stage: "outbound", token: m.token, actor, chat: chat.conversationId });
          continue;
        }
        a.deliveredChatReplies++;
        a.latencies.push(Math.min(...times) - m.pushedAt);
        const dup = a.chatDuplicates.get(chat.conversationId) ?? 0;
        a.chatDuplicates.set(chat.conversationId, dup + times.length - 1);
        if (m.shape === "file") {
          a.fileRepliesExpected++;
          if ((files.get(`${m.token}|${chat.conversationId}`) ?? 0) > 0) a.fileRepliesDelivered++;
          else
            a.losses.push({
              stage: "outbound",
              token: m.token,
              actor: `${actor} (file)`,
              chat: chat.conversationId,
            });
        }
      }
    }
  }
  return a;
}

/** True once nothing is missing any more (or can no longer arrive). */
export function drained(a: Accounting): boolean {
  return a.losses.length === 0;
}
