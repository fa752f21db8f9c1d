/**
 * Durable inbound journal (the using platform's transport doc, "Inbound journal"). An inbound callback is
 * appended here and made durable *before* the platform's frame is acked, and marked done once the bridge
 * has handled it. A daemon killed between the ack and the ledger append leaves an entry without
 * "done"; the adapter replays it on its next start. Replays are safe because the ledger append is
 * idempotent on the message id.
 *
 * Group commit: `record` queues a line; every line queued while the previous batch was being
 * written goes out in ONE write and ONE `fdatasync`, then every promise of that batch resolves (the
 * caller acks then). Per-message cost is flat; a burst of frames costs one fsync per batch.
 *
 * Format: JSON lines, an "in" line per entry (its data verbatim or escaped: inbound-journal-file.ts)
 * and `{"t":"done","id"}`. A torn last line (a crash mid-write) is skipped. The file is compacted to
 * the pending entries on open and when at least half of it is done lines (amortized O(1) per
 * message; inbound-journal-limits.ts).
 */
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import {
  type Batch,
  type BatchData,
  LineQueue,
  newBatch,
  writeBatch,
  writeBatchSync,
} from "./inbound-journal-batch.js";
import { frameLine, inLine, type JournalEntry, readJournal, writeJournal } from "./inbound-journal-file.js";
import { DEFAULT_LIMITS, JournalFullError, type JournalLimits } from "./inbound-journal-limits.js";

export type { JournalEntry } from "./inbound-journal-file.js";
export { JournalFullError, type JournalLimits } from "./inbound-journal-limits.js";

export interface JournalRecord {
  /** False: this id is already pending (a redelivery); `durable` is the first copy's commit. */
  fresh: boolean;
  /** Resolves once the entry is on disk (fdatasync); rejects when the disk refused it. */
  durable: Promise<void>;
  at: number;
}

/** What the Stream client needs from a journal (tests may pass a fake). */
export interface InboundJournalLike {
  /** Queue an entry for the next group commit. Throws JournalFullError when over `maxPending`. */
  record(id: string, data: string, how?: RecordHow): JournalRecord;
  done(id: string): void;
  pending(): JournalEntry[];
}

/** How an entry's data may be stored (inbound-journal-file.ts); unset: escaped, always safe. */
export interface RecordHow {
  /** The caller parsed `data` as JSON: stored verbatim, not escaped. */
  json?: boolean;
  /**
   * The bytes of the JSON object the data came in, whose `data` member is `data` (a string, or an
   * object whose JSON.stringify is `data`): stored as they are, the bytes written without a copy.
   */
  frame?: Buffer;
}

interface Open extends JournalEntry {
  /** Its "in" line as read from the file: compaction rewrites it as is. Unset: from `data`. */
  line?: string;
  json: boolean;
  /** Size of its "in" line (UTF-16 units, like all of the compaction accounting). */
  bytes: number;
  durable: Promise<void>;
}

export class InboundJournal implements InboundJournalLike {
  private fd: number | undefined;
  private readonly open = new Map<string, Open>();
  private readonly limits: JournalLimits;
  private buffer = new LineQueue();
  /** The entries queued in `buffer`, if any (a buffer of done lines only needs no fsync). */
  private batch: Batch | undefined;
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private linesSinceCompact = 0;
  private bytesSinceCompact = 0;
  private fileBytes = 0;
  private liveBytes = 0;
  /** A write failed part-way: the file may end in a torn line, rewrite it before appending again. */
  private torn = false;
  private closed = false;
  /** Written batches and the fdatasync calls they took (tests, benchmarks). */
  readonly stats = { batches: 0, fsyncs: 0, compactions: 0 };

  constructor(
    readonly path: string,
    private readonly log: (line: string) => void = () => {},
    limits: Partial<JournalLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.load();
    this.compact();
  }

  /** Entries recorded but never marked done, oldest first. */
  pending(): JournalEntry[] {
    return [...this.open.values()].map(({ id, data, at }) => ({ id, data, at }));
  }

  get size(): number {
    return this.open.size;
  }

  record(id: string, data: string, how?: RecordHow): JournalRecord {
    const known = this.open.get(id);
    if (known) return { fresh: false, durable: known.durable, at: known.at };
    if (this.closed) throw new Error("inbound journal is closed");
    if (this.open.size >= this.limits.maxPending) throw new JournalFullError(this.limits.maxPending);
    const at = Date.now();
    const json = how?.json === true;
    const frame = how?.frame;
    this.batch ??= newBatch();
    this.batch.ids.push(id);
    const durable = this.batch.durable;
    let bytes: number;
    // The frame as it came, unless a newline in it would split the line (JSON whitespace).
    if (frame && frame.indexOf(10) === -1) {
      const [prefix, suffix] = frameLine(id, at);
      bytes = prefix.length + frame.length + suffix.length;
      this.buffer.pushFrame(prefix, frame, suffix);
      this.schedule();
    } else {
      const line = inLine({ id, data, at }, json);
      bytes = line.length;
      this.queue(line);
    }
    this.open.set(id, { id, data, at, json, bytes, durable });
    this.liveBytes += bytes;
    return { fresh: true, durable, at };
  }

  /** Handled: not replayed again. Needs no fsync of its own: losing it only causes an idempotent replay. */
  done(id: string): void {
    const entry = this.open.get(id);
    if (!entry) return;
    this.open.delete(id);
    this.liveBytes -= entry.bytes;
    if (!this.closed) this.queue(`{"t":"done","id":${JSON.stringify(id)}}\n`);
  }

  /** Resolves when everything queued so far is written (tests, stop). */
  async flushed(): Promise<void> {
    while (this.flushing || this.buffer.length > 0) {
      if (!this.flushing) this.flush();
      await this.flushing;
    }
  }

  /** Write what is queued, then close the file. Later `record` calls throw. */
  close(): Promise<void> {
    this.closed = true;
    const finish = () => {
      this.writeSyncNow();
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
    };
    // Nothing in flight: done synchronously, so the file is complete when close() returns.
    if (!this.flushing) {
      finish();
      return Promise.resolve();
    }
    return this.flushing.then(finish);
  }

  private queue(line: string): void {
    this.buffer.push(line);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // After the current I/O phase: every frame that arrived in the same socket read joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      if (!this.flushing) this.flush();
    });
  }

  /** One write + one fdatasync for everything queued; lines queued meanwhile form the next batch. */
  private flush(): void {
    if (this.buffer.length === 0 || this.closed) return;
    const { payload, size, lines, batch } = this.take();
    let fd: number;
    try {
      fd = this.ensureOpen();
    } catch (err) {
      this.fail(batch, err as Error);
      return;
    }
    this.flushing = new Promise<void>((settle) => {
      const finish = (err: Error | null) => {
        if (err) this.fail(batch, err);
        else batch?.resolve();
        this.flushing = undefined;
        settle();
        if (!this.closed) {
          this.maybeCompact();
          if (this.buffer.length > 0) this.flush();
        }
      };
      writeBatch(fd, payload, (err) => {
        if (err) return finish(err);
        this.counted(size, lines);
        // A batch of done lines only needs no fsync; one with new entries does (they are acked next).
        this.stats.batches++;
        if (!batch) return finish(null);
        this.stats.fsyncs++;
        fdatasync(fd, (e) => finish(e));
      });
    });
  }

  private writeSyncNow(): void {
    if (this.buffer.length === 0) return;
    const { payload, size, lines, batch } = this.take();
    try {
      const fd = this.ensureOpen();
      writeBatchSync(fd, payload);
      this.stats.batches++;
      if (batch) {
        fdatasyncSync(fd);
        this.stats.fsyncs++;
      }
      this.counted(size, lines);
      batch?.resolve();
      this.maybeCompact();
    } catch (err) {
      this.fail(batch, err as Error);
    }
  }

  /** The queued lines, and the entries among them. */
  private take(): BatchData & { batch: Batch | undefined } {
    const batch = this.batch;
    this.batch = undefined;
    return { ...this.buffer.take(), batch };
  }

  /** `size` in UTF-16 units, as every line is counted (what matters is the ratio to live lines). */
  private counted(size: number, lines: number): void {
    this.linesSinceCompact += lines;
    this.bytesSinceCompact += size;
    this.fileBytes += size;
  }

  /** The batch is not durable: forget its entries (not acked, so the platform redelivers them). */
  private fail(batch: Batch | undefined, err: Error): void {
    this.torn = true;
    const ids = batch?.ids ?? [];
    this.log(`inbound journal: write failed (${err.message}); ${ids.length} message(s) not acked`);
    for (const id of ids) {
      const e = this.open.get(id);
      if (e && e.durable === batch?.durable) {
        this.open.delete(id);
        this.liveBytes -= e.bytes;
      }
    }
    batch?.reject(err);
  }

  private ensureOpen(): number {
    if (this.torn) this.compact();
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "a", 0o600);
    }
    return this.fd;
  }

  private maybeCompact(): void {
    const due =
      this.linesSinceCompact >= this.limits.compactAfterLines ||
      this.bytesSinceCompact >= this.limits.compactAfterBytes;
    // At least half the file is dead weight: rewriting costs at most what was appended since.
    if (due && this.fileBytes >= 2 * this.liveBytes && this.buffer.length === 0) this.compact();
  }

  private load(): void {
    const { entries, skipped } = readJournal(this.path);
    for (const e of entries) this.open.set(e.id, { ...e, json: false, durable: Promise.resolve() });
    if (skipped > 0) this.log(`inbound journal ${this.path}: skipped ${skipped} unreadable line(s)`);
  }

  /** Rewrite the file with only the pending entries (temp + fsync + rename). */
  private compact(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const bytes = writeJournal(this.path, this.open.values());
    this.linesSinceCompact = 0;
    this.bytesSinceCompact = 0;
    this.fileBytes = this.liveBytes = bytes;
    this.torn = false;
    this.stats.compactions++;
  }
}
