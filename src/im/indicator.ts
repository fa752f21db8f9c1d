import type { WorkingCards } from "./cards/working-cards.js";
import { ReactionQueue } from "./reaction-queue.js";
import type { InboundMessage, PlatformAdapter } from "./types.js";

/** `im.working: card`: "working" cards instead of the reaction (cards/working-cards.ts). */
export type WorkingHook = (eventId: string, message: InboundMessage, to: readonly string[]) => boolean;

/**
 * A chat's pending indicators, oldest first, and its newest message, stripped. Each pending one is
 * its event id, message id and start time at the same index of three arrays (≤ MAX_PER_CHAT, so
 * lookups scan): a burst leaves thousands pending, and an object, a boxed time and a Map entry
 * each were ~100 bytes more per message than two array slots and an unboxed double.
 */
class ChatPending {
  readonly eventIds: string[] = [];
  readonly messageIds: string[] = [];
  readonly startedAt: number[] = [];

  /** The reactions' target data: `reply` is per-chat reply channel data (types.ts). */
  constructor(public base: InboundMessage) {}

  get size(): number {
    return this.eventIds.length;
  }

  indexOf(eventId: string): number {
    return this.eventIds.indexOf(eventId);
  }

  /** Adds one, or restarts the one already pending for `eventId` (its place in the order kept). */
  set(eventId: string, messageId: string, at: number): boolean {
    const i = this.indexOf(eventId);
    if (i >= 0) {
      this.messageIds[i] = messageId;
      this.startedAt[i] = at;
      return false;
    }
    this.eventIds.push(eventId);
    this.messageIds.push(messageId);
    this.startedAt.push(at);
    return true;
  }

  removeAt(i: number): void {
    this.eventIds.splice(i, 1);
    this.messageIds.splice(i, 1);
    this.startedAt.splice(i, 1);
  }
}

/**
 * What a reaction needs of a message: not the text, files or quote, which may be megabytes. Built as
 * one literal (one hidden class for all), not a spread: this runs for every forwarded message.
 */
function stripped(m: InboundMessage): InboundMessage {
  const out: InboundMessage = {
    platform: m.platform,
    messageId: m.messageId,
    chatId: m.chatId,
    chatType: m.chatType,
    userId: m.userId,
    userName: m.userName,
    text: "",
    mentioned: m.mentioned,
    files: [],
    rawType: m.rawType,
    createdAt: m.createdAt,
  };
  if (m.chatTitle !== undefined) out.chatTitle = m.chatTitle;
  if (m.staffId !== undefined) out.staffId = m.staffId;
  if (m.receivedAt !== undefined) out.receivedAt = m.receivedAt;
  if (m.reply !== undefined) out.reply = m.reply;
  return out;
}

export const THINKING = "🤔";
const MAX_PER_CHAT = 50;
export const DONE = "🥳";

/**
 * The processing indicator: 🤔 on a user's message once it is forwarded, swapped to
 * 🥳 when the agent's reply to that event reaches the chat. Correlated by `reply_to`; without one,
 * only when exactly one indicator is pending in the chat (never FIFO guessing). Best effort: errors
 * are logged. In memory only: after a restart the 🤔 stays (documented in docs/im-bridge.md).
 */
export class ProcessingIndicators {
  /** Per chat, so `complete` without a reply_to is O(1), not a scan of all. */
  private byChat = new Map<string, ChatPending>();
  private count = 0;
  private readonly reactions: ReactionQueue;

  constructor(
    private readonly adapter: PlatformAdapter,
    log: (line: string) => void,
    private readonly now: () => number,
    private readonly timeoutMs: number,
    private readonly working?: { start: WorkingHook; cards: () => WorkingCards | undefined },
  ) {
    this.reactions = new ReactionQueue({
      send: (op) => this.adapter.react?.call(this.adapter, op.message, op.emoji, op.on) ?? Promise.resolve(),
      log,
      droppable: THINKING,
    });
  }

  get size(): number {
    return this.count;
  }

  start(eventId: string, full: InboundMessage, to: readonly string[] = []): void {
    if (this.working?.start(eventId, full, to)) return;
    if (!this.adapter.react) return;
    const base = stripped(full);
    let chat = this.byChat.get(full.chatId);
    if (chat) chat.base = base;
    else {
      chat = new ChatPending(base);
      this.byChat.set(full.chatId, chat);
    }
    if (chat.set(eventId, full.messageId, this.now())) this.count++;
    // Bounded: a chat waits for at most MAX_PER_CHAT replies; the oldest is forgotten (its 🤔 stays,
    // like after a restart), so a burst cannot hold thousands of indicators for half an hour.
    if (chat.size > MAX_PER_CHAT) this.forget(full.chatId, chat, 0);
    this.react(base, THINKING, true);
  }

  /** An agent message was delivered to `chatId`; finish the matching indicator, if any. */
  complete(chatId: string, replyTo: string | undefined): void {
    this.working?.cards()?.complete(chatId, replyTo);
    const chat = this.byChat.get(chatId);
    if (!chat) return;
    const i = replyTo !== undefined ? chat.indexOf(replyTo) : chat.size === 1 ? 0 : -1;
    const messageId = chat.messageIds[i];
    if (messageId === undefined) return;
    const message = { ...chat.base, messageId };
    this.forget(chatId, chat, i);
    this.react(message, THINKING, false);
    this.react(message, DONE, true);
  }

  /** Drop indicators older than the timeout (their 🤔 is removed, nothing else is shown). */
  sweep(): void {
    const cutoff = this.now() - this.timeoutMs;
    for (const [chatId, chat] of [...this.byChat]) {
      for (let i = 0; i < chat.size; ) {
        const messageId = chat.messageIds[i] ?? "";
        if ((chat.startedAt[i] ?? 0) > cutoff) i++;
        else {
          this.forget(chatId, chat, i);
          this.react({ ...chat.base, messageId }, THINKING, false);
        }
      }
    }
  }

  clear(): void {
    this.byChat.clear();
    this.count = 0;
    this.reactions.clear();
  }

  private forget(chatId: string, chat: ChatPending, i: number): void {
    chat.removeAt(i);
    this.count--;
    if (chat.size === 0) this.byChat.delete(chatId);
  }

  /** Queued per chat, coalesced and bounded (reaction-queue.ts); best effort, errors are logged. */
  private react(message: InboundMessage, emoji: string, on: boolean): void {
    if (!this.adapter.react) return;
    this.reactions.push({ message, emoji, on });
  }
}
