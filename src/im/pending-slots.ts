import { parseHexId } from "../kernel/message-index.js";
import type { InboundMessage } from "./types.js";

const FIRST_SLOTS = 64;
export const NONE = -1;

/**
 * The processing indicator's pending messages (indicator.ts) of all chats in flat arrays, one slot
 * each: the event id as four 32-bit words (ids the ledger makes are 32 hex characters; any other
 * goes to `otherIds`), the platform's message id, the start time, whether its 🤔 was never shown,
 * and the next slot of the same chat (a chat's slots are a list, oldest first, so a chat costs no
 * array of its own). A burst leaves tens of thousands pending (up to 50 per chat): as two strings
 * and three array slots each they were ~250 bytes a message; here ~80, most of it the message id
 * (docs/bench.md, "Pending indicators in slots"). Freed slots are reused; the arrays go back to
 * their first size once nothing is pending.
 */
export class PendingSlots {
  private words = new Uint32Array(4 * FIRST_SLOTS);
  private startedAt = new Float64Array(FIRST_SLOTS);
  private nextOf = new Int32Array(FIRST_SLOTS);
  private unshownOf = new Uint8Array(FIRST_SLOTS);
  private messageIds: string[] = [];
  private readonly otherIds = new Map<number, string>();
  private free: number[] = [];
  private used = 0;
  /** Scratch for the id being looked up. */
  private readonly word = new Uint32Array(4);

  /** Pending messages, all chats. */
  get size(): number {
    return this.used;
  }

  /**
   * `eventId` pending in `chat`: a new slot last in its list, or, if it is pending already, its new
   * message id and time in its place.
   */
  put(chat: ChatPending, eventId: string, messageId: string, at: number): void {
    const known = this.find(chat, eventId);
    if (known !== NONE) {
      this.start(known, messageId, at);
      return;
    }
    const slot = this.free.pop() ?? this.grow();
    this.used++;
    if (parseHexId(eventId, this.word)) this.words.set(this.word, 4 * slot);
    else {
      this.words.fill(0, 4 * slot, 4 * slot + 4);
      this.otherIds.set(slot, eventId);
    }
    this.start(slot, messageId, at);
    this.nextOf[slot] = NONE;
    if (chat.tail === NONE) chat.head = slot;
    else this.nextOf[chat.tail] = slot;
    chat.tail = slot;
    chat.size++;
  }

  /** The slot of `eventId` in `chat`, or -1. */
  find(chat: ChatPending, eventId: string): number {
    const words = this.words;
    const w = this.word;
    const hex = parseHexId(eventId, w);
    for (let slot = chat.head; slot !== NONE; slot = this.next(slot)) {
      if (
        hex
          ? words[4 * slot] === w[0] &&
            words[4 * slot + 1] === w[1] &&
            words[4 * slot + 2] === w[2] &&
            words[4 * slot + 3] === w[3] &&
            !this.otherIds.has(slot)
          : this.otherIds.get(slot) === eventId
      )
        return slot;
    }
    return NONE;
  }

  /** The slot whose message id is `messageId` in `chat`, or -1. */
  findMessage(chat: ChatPending, messageId: string): number {
    for (let slot = chat.head; slot !== NONE; slot = this.next(slot))
      if (this.messageIds[slot] === messageId) return slot;
    return NONE;
  }

  /** Unlinks `slot` from `chat` and frees it. */
  remove(chat: ChatPending, slot: number): void {
    let prev = NONE;
    for (let s = chat.head; s !== slot; s = this.next(s)) {
      if (s === NONE) return; // not in this chat
      prev = s;
    }
    const next = this.next(slot);
    if (prev === NONE) chat.head = next;
    else this.nextOf[prev] = next;
    if (chat.tail === slot) chat.tail = prev;
    chat.size--;
    this.otherIds.delete(slot);
    this.messageIds[slot] = "";
    if (--this.used > 0) this.free.push(slot);
    else this.reset();
  }

  messageId(slot: number): string {
    return this.messageIds[slot] ?? "";
  }

  startedAtOf(slot: number): number {
    return this.startedAt[slot] ?? 0;
  }

  /** Its 🤔 add was dropped from the reaction queue unsent: removing it would be a wasted call. */
  unshown(slot: number): boolean {
    return this.unshownOf[slot] === 1;
  }

  markUnshown(slot: number): void {
    this.unshownOf[slot] = 1;
  }

  /** The slot after `slot` in its chat's list, or -1 (`for (let s = chat.head; s !== -1; s = slots.next(s))`). */
  next(slot: number): number {
    return this.nextOf[slot] ?? NONE;
  }

  private start(slot: number, messageId: string, at: number): void {
    this.messageIds[slot] = messageId;
    this.startedAt[slot] = at;
    this.unshownOf[slot] = 0;
  }

  private grow(): number {
    const slot = this.messageIds.length;
    if (slot === this.startedAt.length) {
      this.words = grown(this.words, new Uint32Array(2 * this.words.length));
      this.startedAt = grown(this.startedAt, new Float64Array(2 * slot));
      this.nextOf = grown(this.nextOf, new Int32Array(2 * slot));
      this.unshownOf = grown(this.unshownOf, new Uint8Array(2 * slot));
    }
    this.messageIds.push("");
    return slot;
  }

  private reset(): void {
    this.words = new Uint32Array(4 * FIRST_SLOTS);
    this.startedAt = new Float64Array(FIRST_SLOTS);
    this.nextOf = new Int32Array(FIRST_SLOTS);
    this.unshownOf = new Uint8Array(FIRST_SLOTS);
    this.messageIds = [];
    this.free = [];
  }
}

function grown<T extends { set(from: T): void }>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * One chat's list of slots (oldest first) and its newest message, stripped: `base.reply` is the
 * chat's reply channel data (types.ts), the same for every reaction.
 */
export class ChatPending {
  head = NONE;
  tail = NONE;
  size = 0;

  constructor(public base: InboundMessage) {}
}
