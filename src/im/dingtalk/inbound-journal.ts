/**
 * Durable inbound journal (docs/dingtalk-transport.md, "Inbound journal"). A robot callback is
 * appended here and fdatasync'ed *before* the Stream frame is acked, and marked done once the bridge
 * has handled it. A daemon killed between the ack and the ledger append leaves an entry without
 * "done"; the adapter replays it on its next start. Replays are safe because the ledger append is
 * idempotent on the message id.
 *
 * Format: JSON lines, `{"t":"in","id","data","at"}` and `{"t":"done","id"}`. A torn last line (a
 * crash mid-write) is skipped. The file is compacted to the pending entries on open and whenever
 * enough done lines pile up, so it stays small.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export interface JournalEntry {
  id: string;
  /** The callback's `data` exactly as received (a JSON string). */
  data: string;
  at: number;
}

/** What the Stream client needs from a journal (tests may pass a fake). */
export interface InboundJournalLike {
  record(id: string, data: string): void;
  done(id: string): void;
  pending(): JournalEntry[];
}

export interface JournalLimits {
  /** Compact when this many lines were appended since the last compaction. */
  compactAfterLines: number;
  /** ... or when this many bytes were appended. */
  compactAfterBytes: number;
  /** Pending entries kept at most (a handler that never finishes must not grow the file forever). */
  maxPending: number;
}

const DEFAULT_LIMITS: JournalLimits = {
  compactAfterLines: 500,
  compactAfterBytes: 4 * 1024 * 1024,
  maxPending: 1000,
};

export class InboundJournal implements InboundJournalLike {
  private fd: number | undefined;
  private readonly open = new Map<string, JournalEntry>();
  private linesSinceCompact = 0;
  private bytesSinceCompact = 0;
  private readonly limits: JournalLimits;

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
    return [...this.open.values()];
  }

  /** Append and fdatasync; throws when the disk refuses (the caller then does not ack). */
  record(id: string, data: string): void {
    if (this.open.has(id)) return;
    const entry: JournalEntry = { id, data, at: Date.now() };
    this.append({ t: "in", ...entry }, true);
    this.open.set(id, entry);
    while (this.open.size > this.limits.maxPending) {
      const oldest = this.open.keys().next().value as string;
      this.open.delete(oldest);
      this.log(`inbound journal: more than ${this.limits.maxPending} unfinished messages; forgot ${oldest}`);
    }
  }

  /** Handled: not replayed again. No fsync: losing this line only causes an idempotent replay. */
  done(id: string): void {
    if (!this.open.delete(id)) return;
    try {
      this.append({ t: "done", id }, false);
    } catch (err) {
      this.log(`inbound journal: cannot mark ${id} done (${(err as Error).message})`);
    }
    if (
      this.linesSinceCompact >= this.limits.compactAfterLines ||
      this.bytesSinceCompact >= this.limits.compactAfterBytes
    ) {
      this.compact();
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(line: object, sync: boolean): void {
    const text = `${JSON.stringify(line)}\n`;
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, "a", 0o600);
    }
    writeSync(this.fd, text);
    if (sync) fdatasyncSync(this.fd);
    this.linesSinceCompact++;
    this.bytesSinceCompact += Buffer.byteLength(text);
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    let skipped = 0;
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let rec: { t?: unknown; id?: unknown; data?: unknown; at?: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        skipped++; // a torn last line from a crash mid-write
        continue;
      }
      if (typeof rec.id !== "string") {
        skipped++;
        continue;
      }
      if (rec.t === "in" && typeof rec.data === "string") {
        this.open.set(rec.id, { id: rec.id, data: rec.data, at: typeof rec.at === "number" ? rec.at : 0 });
      } else if (rec.t === "done") {
        this.open.delete(rec.id);
      } else skipped++;
    }
    if (skipped > 0) this.log(`inbound journal ${this.path}: skipped ${skipped} unreadable line(s)`);
  }

  /** Rewrite the file with only the pending entries (temp + fsync + rename). */
  private compact(): void {
    this.close();
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      const body = this.pending()
        .map((e) => `${JSON.stringify({ t: "in", ...e })}\n`)
        .join("");
      if (body) writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.linesSinceCompact = 0;
    this.bytesSinceCompact = 0;
  }
}
