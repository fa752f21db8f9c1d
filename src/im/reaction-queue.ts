/**
 * Reaction calls (🤔/🥳 of the processing indicator) queued per chat, coalesced and bounded, sent by
 * a fixed number of workers (docs/im-bridge.md, "Floods and bounds"). A burst of thousands of
 * messages used to start one API call per message at once, each waiting in the rate limiter with
 * its own timer: CPU quadratic in the backlog. Here the backlog is a plain queue with no timers;
 * at most `concurrency` calls wait in the limiter.
 *
 * Coalescing: an add and a removal of the same emoji on the same message that are both still queued
 * cancel out (the user would only see a flicker); a chat has at most one queued 🤔 add, the newest
 * (the message the user is looking at). An add dropped unsent is reported (`unsent`), so the caller
 * does not queue its removal later (indicator.ts keeps that per pending message).
 * Bounds: at most `maxPerChat` queued per chat and `maxTotal` overall; beyond that the oldest queued
 * 🤔 add goes first (a thinking marker shown minutes late is noise), counted and logged. Best effort.
 */
import { errorMessage } from "./bridge-errors.js";
import type { InboundMessage } from "./types.js";

export interface ReactionOp {
  message: InboundMessage;
  emoji: string;
  on: boolean;
}

export interface ReactionQueueOptions {
  send(op: ReactionOp): Promise<void>;
  log(line: string): void;
  /** The emoji whose queued adds are dropped first when a bound is hit. */
  droppable: string;
  /** An add that was dropped (replaced or over a bound) before it was sent. */
  unsent?(op: ReactionOp): void;
  concurrency?: number;
  maxPerChat?: number;
  maxTotal?: number;
}

const keyOf = (op: ReactionOp) => `${op.message.messageId}\u0000${op.emoji}`;

export class ReactionQueue {
  /** chat → (message+emoji → op), in queue order. */
  private readonly chats = new Map<string, Map<string, ReactionOp>>();
  /** Chat ids by how many ops they have queued (≤ maxPerChat + 1 sizes): the longest without a scan. */
  private readonly bySize = new Map<number, Set<string>>();
  private total = 0;
  private workers = 0;
  private dropped = 0;
  private stopped = false;

  constructor(private readonly opts: ReactionQueueOptions) {}

  get size(): number {
    return this.total;
  }

  push(op: ReactionOp): void {
    if (this.stopped) return;
    const chatId = op.message.chatId;
    let chat = this.chats.get(chatId);
    const key = keyOf(op);
    const queued = chat?.get(key);
    if (chat && queued) {
      if (queued.on !== op.on) this.remove(chatId, chat, key); // add + removal: nothing to do
      return;
    }
    if (chat && op.on && op.emoji === this.opts.droppable) {
      // One queued 🤔 add per chat: a newer message replaces the older one's marker, in place (the
      // chat's queue keeps its length, so no size bookkeeping and no bound to enforce).
      for (const [k, o] of chat) {
        if (!o.on || o.emoji !== op.emoji) continue;
        chat.delete(k);
        this.opts.unsent?.(o);
        if (chat.size === 0) this.chats.delete(chatId); // its only op: the chat goes to the back
        chat.set(key, op);
        this.chats.set(chatId, chat);
        this.wake();
        return;
      }
    }
    if (!chat) {
      chat = new Map();
      this.chats.set(chatId, chat);
    }
    chat.set(key, op);
    this.resized(chatId, chat.size - 1, chat.size);
    this.total++;
    if (chat.size > (this.opts.maxPerChat ?? 20)) this.dropOne(chatId, chat);
    if (this.total > (this.opts.maxTotal ?? 200)) this.dropFromLongest();
    this.wake();
  }

  /** Forget everything queued (bridge stop); calls already sent finish on their own. */
  clear(): void {
    this.chats.clear();
    this.bySize.clear();
    this.total = 0;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private wake(): void {
    while (this.workers < (this.opts.concurrency ?? 2) && this.total > 0) {
      this.workers++;
      void this.work();
    }
  }

  private async work(): Promise<void> {
    try {
      for (let op = this.next(); op; op = this.next()) {
        try {
          await this.opts.send(op);
        } catch (error) {
          this.opts.log(
            `[indicator] ${op.on ? "add" : "remove"} ${op.emoji} on ${op.message.messageId} failed: ${errorMessage(error)}`,
          );
        }
      }
    } finally {
      this.workers--;
    }
  }

  /** Round robin: the oldest op of the first chat, which then goes to the back. */
  private next(): ReactionOp | undefined {
    for (const [chatId, chat] of this.chats) {
      const first = chat.entries().next().value;
      if (!first) {
        this.chats.delete(chatId);
        continue;
      }
      this.remove(chatId, chat, first[0]);
      if (chat.size > 0) {
        this.chats.delete(chatId);
        this.chats.set(chatId, chat);
      }
      return first[1];
    }
    return undefined;
  }

  private remove(chatId: string, chat: Map<string, ReactionOp>, key: string): void {
    if (!chat.delete(key)) return;
    this.resized(chatId, chat.size + 1, chat.size);
    this.total--;
    if (chat.size === 0) this.chats.delete(chatId);
  }

  private resized(chatId: string, from: number, to: number): void {
    const was = this.bySize.get(from);
    was?.delete(chatId);
    if (was?.size === 0) this.bySize.delete(from);
    if (to === 0) return;
    const now = this.bySize.get(to);
    if (now) now.add(chatId);
    else this.bySize.set(to, new Set([chatId]));
  }

  private dropOne(chatId: string, chat: Map<string, ReactionOp>): void {
    let victim: string | undefined;
    for (const [key, op] of chat) {
      if (op.on && op.emoji === this.opts.droppable) {
        victim = key;
        break;
      }
    }
    victim ??= chat.keys().next().value;
    if (victim !== undefined) this.drop(chatId, chat, victim, true);
  }

  private drop(chatId: string, chat: Map<string, ReactionOp>, key: string, overBound: boolean): void {
    const op = chat.get(key);
    this.remove(chatId, chat, key);
    if (op?.on) this.opts.unsent?.(op);
    if (overBound && this.dropped++ % 1000 === 0)
      this.opts.log(`[indicator] too many reactions queued; ${this.dropped} skipped so far (best effort)`);
  }

  /** O(number of distinct sizes), not O(chats): a burst over many chats hits this on every push. */
  private dropFromLongest(): void {
    let size = 0;
    for (const n of this.bySize.keys()) if (n > size) size = n;
    const chatId = this.bySize.get(size)?.values().next().value;
    const chat = chatId === undefined ? undefined : this.chats.get(chatId);
    if (chatId !== undefined && chat) this.dropOne(chatId, chat);
  }
}
