import { randomInt } from "node:crypto";
import { type BindLimits, BindThrottle } from "./bind-throttle.js";
import { ImError } from "./bridge-errors.js";
import type { ParsedInput } from "./commands.js";
import type { Replies } from "./replies/index.js";
import type { AuthorizedChat, BridgeState, PendingKey } from "./state.js";
import type { InboundMessage, RecordEvent } from "./types.js";

export const KEY_TTL_MS = 10 * 60_000;
export const HINT_INTERVAL_MS = 60_000;
/** Live keys across all chats (one per chat). Past it the key closest to expiry goes, its chat told. */
export const MAX_PENDING_KEYS = 500;
// No 0/O/1/I/L: keys are read on a phone and typed into a terminal.
const KEY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const KEY_LENGTH = 10;

export type GateResult =
  /** Authorized (maybe just now, for an allowed user): run the message normally. */
  | { type: "allowed" }
  /** Not authorized: send this reply and stop. */
  | { type: "reply"; text: string }
  /** Not authorized and already hinted recently: say nothing. */
  | { type: "silent" };

export interface AuthorizerDeps {
  state: BridgeState;
  groupId: string;
  groupTitle(): string;
  /** Staff/user ids whose `/subscribe` is approved without a key (the platform module's `allowedUsers`). */
  allowedUsers: readonly string[];
  /** The chat texts in the group's `im.language`. */
  replies: Replies;
  now(): number;
  keyTtlMs?: number;
  hintIntervalMs?: number;
  maxPendingKeys?: number;
  bindLimits?: BindLimits;
  event: RecordEvent;
  /** Out-of-band message to a chat (its key was dropped). */
  tell(chatId: string, text: string): Promise<void>;
}

export function generateKey(): string {
  let key = "";
  for (let i = 0; i < KEY_LENGTH; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}

/** Keys are pasted from chats: ignore case, spaces and surrounding backticks. */
export function normalizeKey(key: string): string {
  return key.replace(/[\s`'"]/g, "").toUpperCase();
}

/**
 * Authorization of chats. The unit of trust is a chat: once a group chat is
 * approved, every member who can @mention the bot can command the agents.
 */
export class Authorizer {
  private lastHint = new Map<string, number>();
  private readonly throttle: BindThrottle;

  constructor(private readonly deps: AuthorizerDeps) {
    this.throttle = new BindThrottle(deps.state.dir, deps.now, deps.bindLimits);
  }

  isAuthorized(chatId: string): boolean {
    return this.deps.state.authorized(chatId) !== undefined;
  }

  /** Decide what an unauthorized chat gets. Nothing from it ever reaches the agents. */
  async gate(message: InboundMessage, parsed: ParsedInput): Promise<GateResult> {
    if (this.isAuthorized(message.chatId)) return { type: "allowed" };
    if (parsed.type === "command" && parsed.name === "subscribe") {
      const allowedAs = this.allowedUser(message);
      if (allowedAs !== undefined) {
        // Authorize only: the /subscribe command itself then subscribes and replies.
        await this.authorize(message, `allowed_user:${allowedAs}`, false, allowedAs);
        return { type: "allowed" };
      }
      const key = await this.issueKey(message);
      return {
        type: "reply",
        text: this.deps.replies.keyIssued(key.key, this.deps.groupTitle(), this.deps.groupId),
      };
    }
    if (parsed.type === "command" && parsed.name === "help") {
      return { type: "reply", text: this.deps.replies.help(message.chatType) };
    }
    const now = this.deps.now();
    const last = this.lastHint.get(message.chatId);
    if (last !== undefined && now - last < (this.deps.hintIntervalMs ?? HINT_INTERVAL_MS))
      return { type: "silent" };
    this.lastHint.set(message.chatId, now);
    if (this.lastHint.size > 1000) {
      for (const [chat, at] of this.lastHint)
        if (now - at >= (this.deps.hintIntervalMs ?? HINT_INTERVAL_MS)) this.lastHint.delete(chat);
    }
    return { type: "reply", text: this.deps.replies.unauthorizedHint };
  }

  private allowedUser(message: InboundMessage): string | undefined {
    const ids = [message.staffId, message.userId].filter(
      (v): v is string => typeof v === "string" && v !== "",
    );
    return ids.find((id) => this.deps.allowedUsers.includes(id));
  }

  /**
   * One live key per chat: a repeated /subscribe gets the same key again with a fresh expiry, so
   * the chat never piles up keys and an active requester is the last to be dropped.
   */
  private async issueKey(message: InboundMessage): Promise<PendingKey> {
    const now = this.deps.now();
    const existing = this.deps.state.pending(now).find((p) => p.chat_id === message.chatId);
    const entry: PendingKey = {
      key: existing?.key ?? generateKey(),
      chat_id: message.chatId,
      chat_type: message.chatType,
      chat_title: message.chatTitle ?? existing?.chat_title ?? "",
      user_id: message.staffId ?? message.userId,
      user_name: message.userName,
      created_at: existing?.created_at ?? new Date(now).toISOString(),
      expires_at: new Date(now + (this.deps.keyTtlMs ?? KEY_TTL_MS)).toISOString(),
    };
    const evicted = await this.deps.state.putPending(
      entry,
      now,
      this.deps.maxPendingKeys ?? MAX_PENDING_KEYS,
    );
    if (!existing)
      await this.deps.event("im.key_issued", {
        chat_id: entry.chat_id,
        chat_type: entry.chat_type,
        chat_title: entry.chat_title,
        user_name: entry.user_name,
        expires_at: entry.expires_at,
      });
    for (const old of evicted) {
      await this.deps.event("im.key_evicted", { chat_id: old.chat_id, chat_type: old.chat_type });
      await this.deps.tell(old.chat_id, this.deps.replies.keyEvicted);
    }
    return entry;
  }

  pending(): PendingKey[] {
    return this.deps.state.pending(this.deps.now());
  }

  /**
   * Approve a key: authorize and subscribe its chat in one step; the key is used up. Wrong keys are
   * counted per `source` (who asked: `user`, `actor:<id>`) and in all; past the limit every bind is
   * refused with `too_many_attempts` until the window passes, even with a right key.
   */
  async bind(rawKey: string, by: string, source = by): Promise<AuthorizedChat> {
    const key = normalizeKey(rawKey);
    if (key === "")
      throw new ImError("missing_key", "No key given. Copy the key the bot sent after /subscribe.");
    await this.throttle.check(source);
    const entry = this.deps.state.pendingKey(key);
    if (!entry || Date.parse(entry.expires_at) <= this.deps.now()) {
      if (entry) await this.deps.state.deletePending(key);
      await this.throttle.fail(source);
      throw new ImError(
        "invalid_key",
        `Key ${key} is unknown or expired (keys last 10 minutes and work once). Send /subscribe in the chat again for a new key.`,
        404,
      );
    }
    for (const p of this.deps.state.pending(this.deps.now())) {
      if (p.chat_id === entry.chat_id) await this.deps.state.deletePending(p.key);
    }
    await this.deps.state.deletePending(key);
    return this.authorize(
      { chatId: entry.chat_id, chatType: entry.chat_type, chatTitle: entry.chat_title },
      by,
      true,
      entry.user_id,
    );
  }

  private async authorize(
    chat: Pick<InboundMessage, "chatId" | "chatType" | "chatTitle">,
    by: string,
    subscribe: boolean,
    boundUser?: string,
  ): Promise<AuthorizedChat> {
    const now = new Date(this.deps.now());
    const entry: AuthorizedChat = {
      chat_id: chat.chatId,
      chat_type: chat.chatType,
      title: chat.chatTitle ?? "",
      authorized_at: now.toISOString(),
      by,
      ...(boundUser ? { bound_user: boundUser } : {}),
    };
    await this.deps.state.authorize(entry);
    this.lastHint.delete(chat.chatId);
    await this.deps.event("im.chat_authorized", {
      chat_id: entry.chat_id,
      chat_type: entry.chat_type,
      chat_title: entry.title,
      by,
    });
    if (subscribe) {
      const prior = this.deps.state.subscription(chat.chatId);
      await this.deps.state.setSubscription(
        chat.chatId,
        prior ? { subscribed: true } : { subscribed: true, verbose: false, paused: false, held_back: 0 },
        now,
      );
      await this.deps.event("im.subscribed", { chat_id: entry.chat_id, chat_type: entry.chat_type });
    }
    return entry;
  }

  /** Remove a chat's authorization and subscription. */
  async revoke(chatId: string, by: string): Promise<{ revoked: boolean; unsubscribed: boolean }> {
    const result = await this.deps.state.revoke(chatId);
    if (result.revoked) await this.deps.event("im.chat_revoked", { chat_id: chatId, by });
    if (result.unsubscribed) await this.deps.event("im.unsubscribed", { chat_id: chatId, by });
    return result;
  }
}
