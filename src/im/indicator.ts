import { errorMessage } from "./bridge-errors.js";
import type { InboundMessage, PlatformAdapter } from "./types.js";

interface Pending {
  eventId: string;
  message: InboundMessage;
  startedAt: number;
}

export const THINKING = "🤔";
export const DONE = "🥳";

/**
 * The processing indicator (IM spec §6.9): 🤔 on a user's message once it is forwarded, swapped to
 * 🥳 when the agent's reply to that event reaches the chat. Correlated by `reply_to`; without one,
 * only when exactly one indicator is pending in the chat (never FIFO guessing). Best effort: errors
 * are logged. In memory only: after a restart the 🤔 stays (documented in docs/im-bridge.md).
 */
export class ProcessingIndicators {
  private pending = new Map<string, Pending>();

  constructor(
    private readonly adapter: PlatformAdapter,
    private readonly log: (line: string) => void,
    private readonly now: () => number,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  start(eventId: string, message: InboundMessage): void {
    if (!this.adapter.react) return;
    this.pending.set(eventId, { eventId, message, startedAt: this.now() });
    this.react(message, THINKING, true);
  }

  /** An agent message was delivered to `chatId`; finish the matching indicator, if any. */
  complete(chatId: string, replyTo: string | undefined): void {
    let match: Pending | undefined;
    if (replyTo !== undefined) {
      match = this.pending.get(replyTo);
      if (match && match.message.chatId !== chatId) match = undefined;
    } else {
      const inChat = [...this.pending.values()].filter((p) => p.message.chatId === chatId);
      if (inChat.length === 1) match = inChat[0];
    }
    if (!match) return;
    this.pending.delete(match.eventId);
    this.react(match.message, THINKING, false);
    this.react(match.message, DONE, true);
  }

  /** Drop indicators older than the timeout (their 🤔 is removed, nothing else is shown). */
  sweep(): void {
    const cutoff = this.now() - this.timeoutMs;
    for (const p of [...this.pending.values()]) {
      if (p.startedAt > cutoff) continue;
      this.pending.delete(p.eventId);
      this.react(p.message, THINKING, false);
    }
  }

  clear(): void {
    this.pending.clear();
  }

  private react(message: InboundMessage, emoji: string, on: boolean): void {
    const react = this.adapter.react;
    if (!react) return;
    react
      .call(this.adapter, message, emoji, on)
      .catch((error: unknown) =>
        this.log(
          `[indicator] ${on ? "add" : "remove"} ${emoji} on ${message.messageId} failed: ${errorMessage(error)}`,
        ),
      );
  }
}
