import { isRecord } from "./state-file.js";
import type { ChatType } from "./types.js";

// The records BridgeState keeps (state.ts) and the guards that check them when a file is read.

/** A chat allowed to talk to the group's agents. */
export interface AuthorizedChat {
  chat_id: string;
  chat_type: ChatType;
  title: string;
  authorized_at: string;
  /** Who approved it: `user` (Web UI/CLI bind), `allowed_user:<staff id>`, … */
  by: string;
  /** The platform user who asked for it (sent /subscribe): the chat's default approver. */
  bound_user?: string;
  /** Set when the platform said the chat no longer exists (bot removed); cleared by the next inbound message. */
  gone?: { at: string; reason: string };
}

export interface Subscription {
  subscribed: boolean;
  paused: boolean;
  verbose: boolean;
  /** Messages not delivered to this chat since it was paused. */
  held_back: number;
  subscribed_at: string;
  updated_at: string;
}

export interface PendingKey {
  key: string;
  chat_id: string;
  chat_type: ChatType;
  chat_title: string;
  user_id: string;
  user_name: string;
  created_at: string;
  expires_at: string;
}

/** How to reach a chat: the opaque reply data of its latest inbound message (e.g. sessionWebhook). */
export interface ReplyRoute {
  chat_type: ChatType;
  reply?: Record<string, unknown>;
  updated_at: string;
}

export interface OutboundCursor {
  /** Last ledger seq handled for every chat. */
  seq: number;
  /** Per chat, the last seq delivered (or given up) beyond `seq`: skipped on catch-up, so no duplicates. */
  chats: Record<string, number>;
  /**
   * Per chat, seqs beyond `chats[chat]` delivered ahead of earlier ones (a final answer sent before
   * queued verbose traffic): skipped on catch-up too, while the earlier ones are still sent.
   */
  ahead?: Record<string, number[]>;
}

/** `ahead` without the seqs at or below each chat's mark; undefined when nothing is left. */
export function pruneAhead(
  ahead: Record<string, number[]> | undefined,
  mark: (chat: string) => number,
): Record<string, number[]> | undefined {
  const out: Record<string, number[]> = {};
  for (const [chat, seqs] of Object.entries(ahead ?? {})) {
    const left = seqs.filter((s) => s > mark(chat));
    if (left.length > 0) out[chat] = left;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function isCursor(value: unknown): value is OutboundCursor {
  return (
    isRecord(value) &&
    typeof value.seq === "number" &&
    isRecord(value.chats) &&
    (value.ahead === undefined || isRecord(value.ahead))
  );
}
const isChatType = (v: unknown): v is ChatType => v === "direct" || v === "group";
const str = (r: Record<string, unknown>, ...keys: string[]) => keys.every((k) => typeof r[k] === "string");

export function isAuthorizedChat(v: unknown): v is AuthorizedChat {
  return isRecord(v) && str(v, "chat_id", "title", "authorized_at", "by") && isChatType(v.chat_type);
}
export function isSubscription(v: unknown): v is Subscription {
  return (
    isRecord(v) &&
    typeof v.subscribed === "boolean" &&
    typeof v.paused === "boolean" &&
    typeof v.verbose === "boolean" &&
    typeof v.held_back === "number"
  );
}
export function isPendingKey(v: unknown): v is PendingKey {
  return isRecord(v) && str(v, "key", "chat_id", "created_at", "expires_at") && isChatType(v.chat_type);
}
export function isReplyRoute(v: unknown): v is ReplyRoute {
  return isRecord(v) && isChatType(v.chat_type) && (v.reply === undefined || isRecord(v.reply));
}
export function mapOf<T>(guard: (v: unknown) => v is T) {
  return (value: unknown): value is Record<string, T> => isRecord(value) && Object.values(value).every(guard);
}
