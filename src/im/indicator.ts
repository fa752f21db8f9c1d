import type { WorkingCards } from "./cards/working-cards.js";
import { ChatPending, NONE, PendingSlots } from "./pending-slots.js";
import { type ReactionOp, ReactionQueue } from "./reaction-queue.js";
import type { InboundMessage, PlatformAdapter } from "./types.js";

/** `im.working: card`: "working" cards instead of the reaction (cards/working-cards.ts). */
export type WorkingHook = (eventId: string, message: InboundMessage, to: readonly string[]) => boolean;

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
  private pending = new PendingSlots();
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
      unsent: (op) => this.unsent(op),
    });
  }

  get size(): number {
    return this.pending.size;
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
    this.pending.put(chat, eventId, full.messageId, this.now());
    // Bounded: a chat waits for at most MAX_PER_CHAT replies; the oldest is forgotten (its 🤔 stays,
    // like after a restart), so a burst cannot hold thousands of indicators for half an hour.
    if (chat.size > MAX_PER_CHAT) this.forget(full.chatId, chat, chat.head);
    this.react(base, THINKING, true);
  }

  /** An agent message was delivered to `chatId`; finish the matching indicator, if any. */
  complete(chatId: string, replyTo: string | undefined): void {
    this.working?.cards()?.complete(chatId, replyTo);
    const chat = this.byChat.get(chatId);
    if (!chat) return;
    const slot =
      replyTo !== undefined ? this.pending.find(chat, replyTo) : chat.size === 1 ? chat.head : NONE;
    if (slot === NONE) return;
    const message = { ...chat.base, messageId: this.pending.messageId(slot) };
    const shown = !this.pending.unshown(slot);
    this.forget(chatId, chat, slot);
    if (shown) this.react(message, THINKING, false);
    this.react(message, DONE, true);
  }

  /** Drop indicators older than the timeout (their 🤔 is removed, nothing else is shown). */
  sweep(): void {
    const cutoff = this.now() - this.timeoutMs;
    for (const [chatId, chat] of [...this.byChat]) {
      for (let slot = chat.head; slot !== NONE; ) {
        const next = this.pending.next(slot);
        if (this.pending.startedAtOf(slot) <= cutoff) {
          const messageId = this.pending.messageId(slot);
          const shown = !this.pending.unshown(slot);
          this.forget(chatId, chat, slot);
          if (shown) this.react({ ...chat.base, messageId }, THINKING, false);
        }
        slot = next;
      }
    }
  }

  clear(): void {
    this.byChat.clear();
    this.pending = new PendingSlots();
    this.reactions.clear();
  }

  private forget(chatId: string, chat: ChatPending, slot: number): void {
    this.pending.remove(chat, slot);
    if (chat.size === 0) this.byChat.delete(chatId);
  }

  /** The queue dropped a 🤔 add before sending it: its removal is skipped later. */
  private unsent(op: ReactionOp): void {
    if (op.emoji !== THINKING) return;
    const chat = this.byChat.get(op.message.chatId);
    const slot = chat ? this.pending.findMessage(chat, op.message.messageId) : NONE;
    if (slot !== NONE) this.pending.markUnshown(slot);
  }

  /** Queued per chat, coalesced and bounded (reaction-queue.ts); best effort, errors are logged. */
  private react(message: InboundMessage, emoji: string, on: boolean): void {
    if (!this.adapter.react) return;
    this.reactions.push({ message, emoji, on });
  }
}
