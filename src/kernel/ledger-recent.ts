/**
 * The last durable events of a ledger, kept in memory so that readers following the end of the
 * file (the live event stream, the IM bridge's outbound follower) get new events without reading
 * and parsing back the lines that were just written. Bounded by count and by line bytes; a read
 * that starts before the oldest kept event goes to the file as before.
 *
 * The events are the same objects the append's promise and the subscribers got (as before, a
 * caller must not mutate an event it received).
 */
import type { LedgerEvent } from "./types.js";

export interface RecentLimits {
  /** Events kept at most. */
  events: number;
  /** Line bytes (UTF-8, without `\n`) kept at most. */
  bytes: number;
}

export const DEFAULT_RECENT: RecentLimits = { events: 512, bytes: 512 * 1024 };

export class RecentEvents {
  private events: LedgerEvent[] = [];
  private lines: string[] = [];
  private sizes: number[] = [];
  /** Index of the oldest kept event (the arrays are trimmed in chunks, not shifted one by one). */
  private head = 0;
  private bytes = 0;

  constructor(private readonly limits: RecentLimits = DEFAULT_RECENT) {}

  /** Events made durable, in seq order, each with its line (no `\n`) and the line's UTF-8 bytes. */
  add(event: LedgerEvent, line: string, lineBytes: number): void {
    const last = this.events.at(-1);
    if (last && event.seq !== last.seq + 1) this.clear(); // never a gap: the kept range is contiguous
    this.events.push(event);
    this.lines.push(line);
    this.sizes.push(lineBytes);
    this.bytes += lineBytes;
    while (this.count > this.limits.events || (this.bytes > this.limits.bytes && this.count > 1)) {
      this.bytes -= this.sizes[this.head] ?? 0;
      this.head++;
    }
    if (this.head >= 256 && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.lines = this.lines.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  get count(): number {
    return this.events.length - this.head;
  }

  /** Kept events use this many line bytes (tests). */
  get keptBytes(): number {
    return this.bytes;
  }

  /** The line of a kept event (this very object), else undefined. */
  lineOf(event: LedgerEvent): string | undefined {
    const first = this.events[this.head];
    if (!first) return undefined;
    const i = this.head + event.seq - first.seq;
    return i >= this.head && this.events[i] === event ? this.lines[i] : undefined;
  }

  /**
   * Events with seq > afterSeq, as `Ledger.read` defines the page, when the memory holds all of
   * them; undefined when the read must go to the file (it starts before the oldest kept event).
   */
  read(afterSeq: number, limit: number, maxBytes: number): LedgerEvent[] | undefined {
    const first = this.events[this.head];
    if (!first || !Number.isFinite(afterSeq) || afterSeq < first.seq - 1) return undefined;
    const out: LedgerEvent[] = [];
    let bytes = 0;
    for (let i = this.head + Math.max(0, Math.floor(afterSeq) + 1 - first.seq); i < this.events.length; i++) {
      const e = this.events[i];
      if (!e) break;
      out.push(e);
      bytes += this.sizes[i] ?? 0;
      if (out.length >= limit || bytes >= maxBytes) break;
    }
    return out;
  }

  clear(): void {
    this.events = [];
    this.lines = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
  }
}
