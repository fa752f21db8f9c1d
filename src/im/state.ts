import { join } from "node:path";
import { corruptStateError, readJsonFile } from "./state-file.js";
import {
  type AuthorizedChat,
  isAuthorizedChat,
  isCursor,
  isPendingKey,
  isReplyRoute,
  isSubscription,
  mapOf,
  type OutboundCursor,
  type PendingKey,
  pruneAhead,
  type ReplyRoute,
  type Subscription,
} from "./state-records.js";
import { StateWriter } from "./state-writer.js";
import { FileDedupe } from "./transport/dedupe-store.js";

export type {
  AuthorizedChat,
  OutboundCursor,
  PendingKey,
  ReplyRoute,
  Subscription,
} from "./state-records.js";

export const STATE_FILES = {
  authorized: "authorized-chats.json",
  subscriptions: "subscriptions.json",
  pending: "pending-keys.json",
  routes: "reply-routes.json",
  cursor: "outbound-cursor.json",
  recent: "recent-message-ids.json",
} as const;

type FileName = keyof typeof STATE_FILES;
const RECENT_IDS_MAX = 512;
/**
 * Rewritten on every inbound message, nobody awaits it: paced (state-writer.ts). Handled ids are
 * not rewritten: they are appended to their log (FileDedupe, transport/dedupe-store.ts).
 */
const PACED: ReadonlySet<FileName> = new Set<FileName>(["routes"]);

/**
 * The bridge's durable state in `groups/<gid>/state/im/`. One instance per group owns the files;
 * reads come from memory after `load()`, every change is written through atomically.
 */
export class BridgeState {
  private authorizedChats: Record<string, AuthorizedChat> = {};
  private subscriptions: Record<string, Subscription> = {};
  private pendingKeys: Record<string, PendingKey> = {};
  private routes: Record<string, ReplyRoute> = {};
  private outboundCursor: OutboundCursor | undefined;
  /** Inbound ids claimed (memory) and handled (appended to `recent-message-ids.json.log`). */
  private recent?: FileDedupe;
  private readonly writer = new StateWriter<FileName>((file) => this.path(file), PACED);
  private loaded = false;

  constructor(readonly dir: string) {}

  path(file: FileName): string {
    return join(this.dir, STATE_FILES[file]);
  }

  /** Read every state file. Throws `im_state_corrupt` naming the file when one is unreadable. */
  async load(): Promise<void> {
    this.authorizedChats = await readJsonFile(this.path("authorized"), {}, mapOf(isAuthorizedChat));
    this.subscriptions = await readJsonFile(this.path("subscriptions"), {}, mapOf(isSubscription));
    this.pendingKeys = await readJsonFile(this.path("pending"), {}, mapOf(isPendingKey));
    this.routes = await readJsonFile(this.path("routes"), {}, mapOf(isReplyRoute));
    const cursor = await readJsonFile<OutboundCursor | null>(
      this.path("cursor"),
      null,
      (v): v is OutboundCursor | null => v === null || isCursor(v),
    );
    this.outboundCursor = cursor ?? undefined;
    this.recent?.close();
    this.recent = this.openRecent();
    this.loaded = true;
  }

  async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  /** Wait for every pending write and release the file handles (used by stop() and tests). */
  async flush(): Promise<void> {
    await this.writer.flush();
    this.recent?.close();
  }

  /** How many times the file was written since start (tests, benchmarks). */
  writesOf(file: FileName): number {
    return this.writer.writesOf(file);
  }

  /** Coalesced atomic write of one file (state-writer.ts). */
  private persist(file: FileName, snapshot: () => unknown): Promise<void> {
    return this.writer.persist(file, snapshot);
  }

  // ── authorization ────────────────────────────────────────────────────────────
  authorized(chatId: string): AuthorizedChat | undefined {
    return this.authorizedChats[chatId];
  }
  listAuthorized(): AuthorizedChat[] {
    return Object.values(this.authorizedChats);
  }
  async authorize(chat: AuthorizedChat): Promise<void> {
    this.authorizedChats[chat.chat_id] = chat;
    await this.persist("authorized", () => this.authorizedChats);
  }
  async updateAuthorized(chatId: string, patch: Partial<AuthorizedChat>): Promise<void> {
    const current = this.authorizedChats[chatId];
    if (!current) return;
    const next: AuthorizedChat = { ...current, ...patch };
    if (patch.gone === undefined && "gone" in patch) delete next.gone;
    this.authorizedChats[chatId] = next;
    await this.persist("authorized", () => this.authorizedChats);
  }
  /** Remove the authorization and the subscription of a chat. Returns what existed. */
  async revoke(chatId: string): Promise<{ revoked: boolean; unsubscribed: boolean }> {
    const revoked = chatId in this.authorizedChats;
    const unsubscribed = this.subscriptions[chatId]?.subscribed === true;
    delete this.authorizedChats[chatId];
    delete this.subscriptions[chatId];
    await Promise.all([
      this.persist("authorized", () => this.authorizedChats),
      this.persist("subscriptions", () => this.subscriptions),
    ]);
    return { revoked, unsubscribed };
  }

  // ── subscriptions ────────────────────────────────────────────────────────────
  subscription(chatId: string): Subscription | undefined {
    return this.subscriptions[chatId];
  }
  listSubscriptions(): Array<[string, Subscription]> {
    return Object.entries(this.subscriptions);
  }
  async setSubscription(chatId: string, patch: Partial<Subscription>, now: Date): Promise<Subscription> {
    const current = this.subscriptions[chatId] ?? {
      subscribed: false,
      paused: false,
      verbose: false,
      held_back: 0,
      subscribed_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    const next = { ...current, ...patch, updated_at: now.toISOString() };
    this.subscriptions[chatId] = next;
    await this.persist("subscriptions", () => this.subscriptions);
    return next;
  }

  // ── pending keys ─────────────────────────────────────────────────────────────
  pending(nowMs: number): PendingKey[] {
    return Object.values(this.pendingKeys)
      .filter((p) => Date.parse(p.expires_at) > nowMs)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }
  pendingKey(key: string): PendingKey | undefined {
    return this.pendingKeys[key];
  }
  /**
   * Store a chat's key, replacing any other key of the same chat (one live key per chat). Past
   * `max` live keys, the ones closest to expiry are dropped and returned, so their chats can be told.
   */
  async putPending(entry: PendingKey, nowMs: number, max: number): Promise<PendingKey[]> {
    for (const p of Object.values(this.pendingKeys)) {
      if (Date.parse(p.expires_at) <= nowMs || p.chat_id === entry.chat_id) delete this.pendingKeys[p.key];
    }
    this.pendingKeys[entry.key] = entry;
    const all = Object.values(this.pendingKeys)
      .filter((p) => p.key !== entry.key)
      .sort((a, b) => a.expires_at.localeCompare(b.expires_at) || a.created_at.localeCompare(b.created_at));
    const evicted = all.slice(0, Math.max(0, all.length + 1 - Math.max(1, max)));
    for (const old of evicted) delete this.pendingKeys[old.key];
    await this.persist("pending", () => this.pendingKeys);
    return evicted;
  }
  async deletePending(key: string): Promise<boolean> {
    if (!(key in this.pendingKeys)) return false;
    delete this.pendingKeys[key];
    await this.persist("pending", () => this.pendingKeys);
    return true;
  }

  // ── reply routes ─────────────────────────────────────────────────────────────
  route(chatId: string): ReplyRoute | undefined {
    return this.routes[chatId];
  }
  /** The returned write is shared by every change it coalesces (the same promise until it starts). */
  setRoute(chatId: string, route: ReplyRoute): Promise<void> {
    this.routes[chatId] = route;
    return this.persist("routes", () => this.routes);
  }

  // ── outbound cursor ──────────────────────────────────────────────────────────
  /** Undefined before the bridge ever ran. */
  cursor(): OutboundCursor | undefined {
    return this.outboundCursor;
  }
  async setCursor(seq: number): Promise<void> {
    const chats: Record<string, number> = {};
    for (const [chat, s] of Object.entries(this.outboundCursor?.chats ?? {})) if (s > seq) chats[chat] = s;
    const ahead = pruneAhead(this.outboundCursor?.ahead, (chat) => Math.max(seq, chats[chat] ?? 0));
    this.outboundCursor = ahead ? { seq, chats, ahead } : { seq, chats };
    await this.persist("cursor", () => this.outboundCursor);
  }
  /**
   * `seq` was handled for the chat. `outOfOrder`: an earlier seq for this chat is still queued, so
   * only this one is recorded (in `ahead`), not everything up to it.
   */
  async setChatDelivered(chatId: string, seq: number, outOfOrder = false): Promise<void> {
    const cursor = this.outboundCursor ?? { seq: 0, chats: {} };
    if (seq <= cursor.seq) return;
    if (outOfOrder) {
      const ahead = cursor.ahead ?? {};
      ahead[chatId] = [...(ahead[chatId] ?? []), seq];
      cursor.ahead = ahead;
    } else {
      cursor.chats[chatId] = Math.max(seq, cursor.chats[chatId] ?? 0);
      const ahead = pruneAhead(cursor.ahead, (chat) => Math.max(cursor.seq, cursor.chats[chat] ?? 0));
      if (ahead) cursor.ahead = ahead;
      else delete cursor.ahead;
    }
    this.outboundCursor = cursor;
    await this.persist("cursor", () => this.outboundCursor);
  }
  /** Whether the chat already got `seq` (in order, or ahead of earlier ones). */
  chatHas(chatId: string, seq: number): boolean {
    const cursor = this.outboundCursor;
    if (!cursor) return false;
    const ahead = cursor.ahead?.[chatId];
    return seq <= (cursor.chats[chatId] ?? 0) || (Array.isArray(ahead) && ahead.includes(seq));
  }

  // ── inbound redelivery guard ─────────────────────────────────────────────────
  private openRecent(): FileDedupe {
    return new FileDedupe(this.path("recent"), { limit: RECENT_IDS_MAX, corrupt: corruptStateError });
  }

  /** True if the id was claimed before (being handled now, or handled). */
  seenMessage(id: string): boolean {
    this.recent ??= this.openRecent();
    return this.recent.has(id);
  }

  /**
   * True if the id was already seen; otherwise claims it in memory (synchronously). It is
   * persisted only by `messageHandled`, so a message interrupted by a crash is handled again when
   * the platform (or the transport's journal) delivers it again; the kernel's idempotent append on
   * `source.message_id` keeps a forwarded message single.
   */
  claimMessage(id: string): boolean {
    this.recent ??= this.openRecent();
    return !this.recent.claim(id);
  }

  /** The claimed message was handled: from now on a redelivery is ignored, also after a restart. */
  messageHandled(id: string): void {
    try {
      this.recent?.add(id);
    } catch {
      // Not persisted (disk full, …): still remembered in memory; after a restart a redelivery
      // is handled again, and the kernel's idempotent append keeps a forwarded message single.
    }
  }
}
