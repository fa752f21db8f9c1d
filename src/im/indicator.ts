import type { WorkingCards } from "./cards/working-cards.js";
import { ReactionQueue } from "./reaction-queue.js";
import type { InboundMessage, PlatformAdapter } from "./types.js";

/** `im.working: card`: "working" cards instead of the reaction (cards/working-cards.ts). */
export type WorkingHook = (eventId: string, message: InboundMessage, to: readonly string[]) => boolean;

interface Pending {
  eventId: string;
  message: InboundMessage;
  startedAt: number;
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
  private pending = new Map<string, Pending>();
  /** Pending indicators per chat, so `complete` without a reply_to is O(1), not a scan of all. */
  private byChat = new Map<string, Set<string>>();
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
    return this.pending.size;
  }

  start(eventId: string, full: InboundMessage, to: readonly string[] = []): void {
    if (this.working?.start(eventId, full, to)) return;
    if (!this.adapter.react) return;
    // Only what a reaction needs is kept (not the text or files, which may be megabytes).
    const message: InboundMessage = { ...full, text: "", files: [], quoted: undefined };
    this.pending.set(eventId, { eventId, message, startedAt: this.now() });
    let chat = this.byChat.get(message.chatId);
    if (!chat) {
      chat = new Set();
      this.byChat.set(message.chatId, chat);
    }
    chat.add(eventId);
    // Bounded: a chat waits for at most MAX_PER_CHAT replies; the oldest is forgotten (its 🤔 stays,
    // like after a restart), so a burst cannot hold thousands of indicators for half an hour.
    if (chat.size > MAX_PER_CHAT) {
      const oldest = this.pending.get(chat.values().next().value ?? "");
      if (oldest) this.forget(oldest);
    }
    this.react(message, THINKING, true);
  }

  /** An agent message was delivered to `chatId`; finish the matching indicator, if any. */
  complete(chatId: string, replyTo: string | undefined): void {
    this.working?.cards()?.complete(chatId, replyTo);
    let match: Pending | undefined;
    if (replyTo !== undefined) {
      match = this.pending.get(replyTo);
      if (match && match.message.chatId !== chatId) match = undefined;
    } else {
      const inChat = this.byChat.get(chatId);
      if (inChat?.size === 1) match = this.pending.get(inChat.values().next().value ?? "");
    }
    if (!match) return;
    this.forget(match);
    this.react(match.message, THINKING, false);
    this.react(match.message, DONE, true);
  }

  /** Drop indicators older than the timeout (their 🤔 is removed, nothing else is shown). */
  sweep(): void {
    const cutoff = this.now() - this.timeoutMs;
    for (const p of [...this.pending.values()]) {
      if (p.startedAt > cutoff) continue;
      this.forget(p);
      this.react(p.message, THINKING, false);
    }
  }

  clear(): void {
    this.pending.clear();
    this.byChat.clear();
    this.reactions.clear();
  }

  private forget(p: Pending): void {
    this.pending.delete(p.eventId);
    const chat = this.byChat.get(p.message.chatId);
    chat?.delete(p.eventId);
    if (chat?.size === 0) this.byChat.delete(p.message.chatId);
  }

  /** Queued per chat, coalesced and bounded (reaction-queue.ts); best effort, errors are logged. */
  private react(message: InboundMessage, emoji: string, on: boolean): void {
    if (!this.adapter.react) return;
    this.reactions.push({ message, emoji, on });
  }
}
