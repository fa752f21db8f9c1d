/**
 * The append-only group ledger: `ledger.jsonl`, one event envelope per line.
 *
 * - **seq** is assigned synchronously when `append`/`appendMany` is called, so call order = seq order.
 * - **Group commit**: appends queued before the writer runs (same tick, or while the previous batch is
 *   being written) go out in one `write` of whole lines and one `fdatasync`; each promise resolves
 *   only once its event is durable. `lastSeq`, `read`, `tail`, `scan` and subscribers see durable
 *   events only.
 * - **Failed write** (write or fdatasync error): the failed batch *and every append queued behind it*
 *   are rejected with `ledger_write_failed`; the file is truncated back to its last durable length and
 *   seq resumes at last durable seq + 1, so the file keeps consecutive seqs and whole lines. If even
 *   that truncation fails, the ledger refuses further appends (`ledger_unavailable`) until reopened;
 *   reopening repairs a torn tail (see `ledger-repair.ts`) and continues from the last whole line.
 * - A crash mid-write may leave whole lines of a batch whose promises never resolved; they are kept
 *   (their outcome was unknown to the caller, as with any crash before an acknowledgement).
 * - Corrupt (non-JSON) lines are skipped by every reader and reported via `onCorrupt`, each time they
 *   are read. Lookups by seq use a sparse seq → offset index plus binary search by seeking.
 * - Reads that start within the newest durable events (at most 512 events / 512 KiB of lines) are
 *   answered from memory (`ledger-recent.ts`): followers of the end of the file (live stream,
 *   outbound) do not read back and re-parse what was just written.
 * - One instance per file per process (the daemon is the single writer); a second `open` throws.
 */
import { writeSync } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CcccError } from "./errors.js";
import { IsoClock } from "./iso-clock.js";
import { type LedgerAppend, serializeEvent } from "./ledger-event.js";
import { type CorruptLine, LedgerFileReader } from "./ledger-file-reader.js";
import { RecentEvents } from "./ledger-recent.js";
import { repairTornTail } from "./ledger-repair.js";
import type { LedgerEvent } from "./types.js";

export { type LedgerAppend, MAX_LINE_BYTES, newEventId } from "./ledger-event.js";
export type { CorruptLine } from "./ledger-file-reader.js";

const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/**
 * A batch up to this size is written synchronously: into the page cache in microseconds, where an
 * async write costs a thread-pool round trip (milliseconds on a busy machine) before the fdatasync.
 */
const SYNC_WRITE_BYTES = 256 * 1024;

export interface LedgerOptions {
  /** fdatasync every batch before resolving (default true). */
  durable?: boolean;
  /** Called for every corrupt line a read passes over (default: a process warning). */
  onCorrupt?: (line: CorruptLine) => void;
  /** Repairs and listener errors (default: `process.emitWarning`). */
  onWarning?: (message: string) => void;
}

interface Pending {
  events: LedgerEvent[];
  lines: string[];
  /** UTF-8 bytes of each event's line (without `\n`). */
  sizes: number[];
  /** UTF-8 bytes of the lines with their `\n`s. */
  bytes: number;
  resolve: (events: LedgerEvent[]) => void;
  reject: (err: unknown) => void;
}

const openPaths = new Set<string>();

export class Ledger {
  private readonly file: LedgerFileReader;
  /** The newest durable events: readers at the end of the file are served from memory. */
  private readonly recent = new RecentEvents();
  private readonly listeners = new Set<(e: LedgerEvent) => void>();
  private readonly reads = new Set<Promise<unknown>>();
  private pending: Pending[] = [];
  private nextSeq: number;
  private scheduled = false;
  private writing = false;
  private flushPromise: Promise<void> | null = null;
  private closePromise: Promise<void> | null = null;
  private broken: CcccError | null = null;
  private readonly clock = new IsoClock();

  private constructor(
    readonly path: string,
    private readonly groupId: string,
    private readonly fh: FileHandle,
    private size: number,
    private durableSeq: number,
    private readonly durable: boolean,
    onCorrupt: (line: CorruptLine) => void,
    private readonly warn: (message: string) => void,
  ) {
    this.nextSeq = durableSeq + 1;
    this.file = new LedgerFileReader(fh, path, onCorrupt);
  }

  static async open(filePath: string, groupId: string, opts: LedgerOptions = {}): Promise<Ledger> {
    const path = resolve(filePath);
    if (openPaths.has(path)) {
      throw new CcccError("ledger_already_open", `Ledger ${path} is already open in this process.`, 500);
    }
    openPaths.add(path);
    const warn = opts.onWarning ?? ((m: string) => process.emitWarning(m, "CcccLedgerWarning"));
    const onCorrupt =
      opts.onCorrupt ??
      ((c: CorruptLine) => warn(`Ledger ${c.path}: skipped corrupt line at byte ${c.offset}: ${c.reason}`));
    try {
      await mkdir(dirname(path), { recursive: true });
      const fh = await open(path, "a+");
      try {
        const size = await repairTornTail(fh, path, (await fh.stat()).size, warn);
        const ledger = new Ledger(path, groupId, fh, size, 0, opts.durable ?? true, onCorrupt, warn);
        await ledger.findLastSeq();
        return ledger;
      } catch (err) {
        await fh.close();
        throw err;
      }
    } catch (err) {
      openPaths.delete(path);
      throw err;
    }
  }

  /**
   * The JSON of one of the newest events this ledger appended (its line in the file,
   * `JSON.stringify(event)` to the byte), so followers need not serialise it again; undefined for
   * older events and events read from the file.
   */
  lineOf(event: LedgerEvent): string | undefined {
    return this.recent.lineOf(event);
  }

  /** The seq of the last durable event (0 for an empty ledger). */
  lastSeq(): number {
    return this.durableSeq;
  }

  async append(kind: string, by: string, data: Record<string, unknown>): Promise<LedgerEvent> {
    const [event] = await this.appendMany([{ kind, by, data }]);
    if (!event) throw new Error("unreachable: appendMany returned no event");
    return event;
  }

  /**
   * All items get consecutive seqs and are written in the same write; all are validated first.
   * The events returned (and given to subscribers) are parsed back from their lines, so they are
   * what a reader of the file gets. `owned`: the caller hands its `data` over — plain JSON values
   * (no `undefined`, `Date` or class instances) it never mutates afterwards — and the events hold
   * it as is, without parsing the line back (the ingest hot path).
   */
  appendMany(items: LedgerAppend[], opts: { owned?: boolean } = {}): Promise<LedgerEvent[]> {
    if (this.closePromise) return Promise.reject(this.closedError());
    if (this.broken) return Promise.reject(this.broken);
    if (items.length === 0) return Promise.resolve([]);
    const ts = this.clock.iso();
    const lines: string[] = [];
    const sizes: number[] = [];
    const events: LedgerEvent[] = [];
    let bytes = 0;
    try {
      for (let i = 0; i < items.length; i++) {
        const built = serializeEvent(this.groupId, items[i] as LedgerAppend, this.nextSeq + i, ts);
        lines.push(built.line);
        sizes.push(built.bytes);
        bytes += built.bytes + 1;
        events.push(opts.owned ? built.event : (JSON.parse(built.line) as LedgerEvent));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    this.nextSeq += items.length;
    return new Promise((resolve, reject) => {
      this.pending.push({ events, lines, sizes, bytes, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Events with seq > afterSeq, oldest first, at most `limit` (default 1000) and, when `maxBytes` is
   * given, stopping once their lines add up to that many bytes (always at least one event). A caller
   * paging through a big ledger holds one bounded page at a time.
   */
  read(afterSeq: number, limit = 1000, maxBytes = Number.POSITIVE_INFINITY): Promise<LedgerEvent[]> {
    if (this.closePromise) return Promise.reject(this.closedError());
    const max = Math.floor(limit);
    if (!(max > 0) || afterSeq >= this.durableSeq) return Promise.resolve([]);
    const kept = this.recent.read(afterSeq, max, maxBytes);
    if (kept) return Promise.resolve(kept);
    return this.track(async () => {
      const end = this.size;
      const last = this.durableSeq;
      const max = Math.floor(limit);
      if (!(max > 0) || afterSeq >= last) return [];
      const target = Number.isFinite(afterSeq) ? Math.max(1, Math.floor(afterSeq) + 1) : 1;
      return this.file.read(target, max, maxBytes, end);
    });
  }

  /** The last `n` events, oldest first, read backwards from the end in blocks. */
  tail(n: number): Promise<LedgerEvent[]> {
    return this.track(() => this.file.tail(n, this.size));
  }

  /**
   * Every event durable when `scan` is called, once, in file order. To build an index and keep it
   * current, `subscribe` first and ignore events with seq ≤ the last one scanned.
   */
  scan(onEvent: (e: LedgerEvent) => void): Promise<void> {
    return this.track(() => this.file.scan(this.size, onEvent));
  }

  /** Called after each durable batch, once per event in seq order. Returns the unsubscribe function. */
  subscribe(listener: (e: LedgerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Waits for queued appends to become durable and for running reads, then closes the file. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      while (this.scheduled || this.writing) {
        if (this.writing && this.flushPromise) await this.flushPromise;
        else await new Promise<void>((r) => setImmediate(r));
      }
      await Promise.allSettled([...this.reads]);
      this.listeners.clear();
      try {
        await this.fh.close();
      } finally {
        openPaths.delete(this.path);
      }
    })();
    return this.closePromise;
  }

  // ---- writing ----

  private schedule(): void {
    if (this.scheduled || this.writing) return; // a running flush loop picks up new pending items
    this.scheduled = true;
    setImmediate(() => {
      this.flushPromise = this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        if (this.broken) {
          for (const p of this.pending.splice(0)) p.reject(this.broken);
          break;
        }
        await this.commit(this.takeBatch());
      }
    } finally {
      this.writing = false;
    }
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length) {
      const len = this.pending[n]?.bytes ?? 0;
      if (n > 0 && bytes + len > MAX_BATCH_BYTES) break;
      bytes += len;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async commit(batch: Pending[]): Promise<void> {
    // The lines encoded straight into one buffer of the batch's size (no joined copy of them first).
    let total = 0;
    for (const p of batch) total += p.bytes;
    const buf = Buffer.allocUnsafe(total);
    let at = 0;
    for (const p of batch) {
      for (const line of p.lines) {
        at += buf.write(line, at);
        buf[at++] = 10;
      }
    }
    const before = this.size;
    try {
      for (let off = 0; off < buf.length; ) off += await this.writeAt(buf, off);
      if (this.durable) await this.fh.datasync();
    } catch (err) {
      await this.rollback(before, batch, err);
      return;
    }
    const first = batch[0]?.events[0];
    if (first) this.file.index.note(first.seq, before);
    this.size = before + buf.length;
    for (const p of batch) {
      const last = p.events[p.events.length - 1];
      if (last) this.durableSeq = last.seq;
      for (const [i, e] of p.events.entries()) this.recent.add(e, p.lines[i] ?? "", p.sizes[i] ?? 0);
    }
    for (const p of batch) p.resolve(p.events);
    const listeners = [...this.listeners];
    for (const p of batch) {
      for (const e of p.events) {
        for (const listener of listeners) {
          try {
            listener(e);
          } catch (err) {
            this.warn(`Ledger ${this.path}: a subscriber threw on seq ${e.seq}: ${(err as Error).message}`);
          }
        }
      }
    }
  }

  /** Writes what is left of `buf` from `off` at the end of the file (O_APPEND); returns the bytes written. */
  private async writeAt(buf: Buffer, off: number): Promise<number> {
    if (buf.length <= SYNC_WRITE_BYTES) return writeSync(this.fh.fd, buf, off, buf.length - off);
    return (await this.fh.write(buf, off, buf.length - off)).bytesWritten;
  }

  private async rollback(before: number, batch: Pending[], cause: unknown): Promise<void> {
    const failed = [...batch, ...this.pending.splice(0)];
    this.nextSeq = this.durableSeq + 1;
    const why = cause instanceof Error ? cause.message : String(cause);
    const error = new CcccError(
      "ledger_write_failed",
      `Could not write to ledger ${this.path} (${why}); the events were not recorded. ` +
        "Check free disk space and permissions, then retry.",
      500,
    );
    try {
      await this.fh.truncate(before);
      if (this.durable) await this.fh.datasync();
    } catch (err) {
      this.broken = new CcccError(
        "ledger_unavailable",
        `Ledger ${this.path} could not be restored after a failed write (${(err as Error).message}); ` +
          "restart the daemon to repair it.",
        500,
      );
      this.warn(this.broken.message);
    }
    for (const p of failed) p.reject(error);
  }

  // ---- reading ----

  private closedError(): CcccError {
    return new CcccError("ledger_closed", `Ledger ${this.path} is closed.`, 500);
  }

  private track<T>(run: () => Promise<T>): Promise<T> {
    if (this.closePromise) return Promise.reject(this.closedError());
    const p = run();
    this.reads.add(p);
    const done = () => this.reads.delete(p);
    p.then(done, done);
    return p;
  }

  /** Open-time: the last seq comes from the last valid line, read backwards from the end. */
  private async findLastSeq(): Promise<void> {
    const e = await this.file.last(this.size);
    if (!e) return;
    this.durableSeq = e.seq;
    this.nextSeq = e.seq + 1;
  }
}
