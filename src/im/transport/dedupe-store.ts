/**
 * Durable dedupe (transport kit): the one "seen id" store of the IM code. It remembers the last
 * `limit` ids in a snapshot file plus an append-only log beside it (dedupe-file.ts). Recording an
 * id appends one line (no rewrite, no fsync: a SIGKILL keeps what was written, the kernel has it);
 * the ids recorded in one tick go out in one write after it (`setImmediate`; `flush`/`close` write
 * at once), so a burst costs one write per tick, not per id. The log is folded into the snapshot
 * (temp + rename) on open and once it holds `foldAfterLines` lines (at least `limit`, at least 4,096:
 * a store of 512 ids folded ten times in a 5,000-message burst), so the cost per id stays flat and
 * the files stay bounded.
 *
 * The one-tick window: a SIGKILL right after `add` returns may forget the ids of that tick. Every
 * user records an id only after something else made the message safe (the inbound journal, the
 * ledger), so a forgotten id costs at most an idempotent replay.
 *
 * Its users need two ways of recording, both served here:
 * - **record on receipt** (`has` + `add`): the Stream inbox adds a msgId once the message is in the
 *   inbound journal; the journal, not this store, is what makes it survive a crash.
 * - **claim, then record once handled** (`claim` + `add`, or `release` on failure): the bridge core's
 *   redelivery guard and the HTTP-mode replay guard. A claim is held in memory only, so a message cut
 *   short by a crash is handled again when it is delivered again, and a second copy arriving while
 *   the first is being handled is refused (`has` is true for a claimed id).
 *
 * Options cover the rest: `maxAgeMs` keeps a time per id and forgets ids older than it (the replay
 * window), `corrupt` turns an unreadable snapshot into the caller's error instead of setting it aside.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { removeStaleTemps, writeFileAtomicSync } from "../../kernel/fs-util.js";
import {
  type DedupeEntry,
  formatLogLine,
  formatSnapshot,
  parseLog,
  parseSnapshot,
  readIfExists,
  SnapshotError,
} from "./dedupe-file.js";

export interface DedupeStore {
  has(id: string): boolean;
  add(id: string): void;
}

/** In-memory store, for tests and for callers that do not need restarts. */
export class MemoryDedupe implements DedupeStore {
  private readonly ids = new Set<string>();
  constructor(private readonly limit = 2000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    for (const old of this.ids) {
      if (this.ids.size <= this.limit) break;
      this.ids.delete(old);
    }
  }
}

/** Log lines folded into the snapshot at the least (a small `limit` folds no more often). */
export const MIN_FOLD_LINES = 4096;

export interface FileDedupeOptions {
  /** Ids kept at most (default 2000); the oldest recorded is forgotten first. */
  limit?: number;
  /** Log lines that make a fold into the snapshot due (default the larger of `limit` and MIN_FOLD_LINES). */
  foldAfterLines?: number;
  log?: (line: string) => void;
  /** Keep a time per id and forget ids whose time is older than this. */
  maxAgeMs?: number;
  /** Ids still within `maxAgeMs` (all ids without it) were forgotten to keep `limit`. */
  onEvict?: (count: number) => void;
  /**
   * An unreadable snapshot: the error to throw. Without it the file is set aside with a log line
   * (a cache the caller can do without).
   */
  corrupt?: (path: string, why: string) => Error;
  now?: () => number;
}

export class FileDedupe implements DedupeStore {
  private entries: (DedupeEntry | undefined)[] = [];
  private head = 0;
  private readonly set = new Set<string>();
  private readonly claimed = new Set<string>();
  private fd: number | undefined;
  private logLines = 0;
  /** Log lines of ids added this tick, written together by `flush`. */
  private unwritten: string[] = [];
  private scheduled = false;
  /** Appends to the log (tests, benchmarks). */
  readonly stats = { writes: 0 };
  private readonly limit: number;
  private readonly foldAfterLines: number;
  private readonly now: () => number;
  readonly logPath: string;

  constructor(
    readonly path: string,
    private readonly options: FileDedupeOptions = {},
  ) {
    this.limit = options.limit ?? 2000;
    this.foldAfterLines = options.foldAfterLines ?? Math.max(this.limit, MIN_FOLD_LINES);
    this.now = options.now ?? Date.now;
    this.logPath = `${path}.log`;
    removeStaleTemps(path); // a compaction killed before its rename
    const snapshot = this.readSnapshot();
    for (const e of snapshot) this.remember(e);
    const log = parseLog(readIfExists(this.logPath) ?? "");
    // A log whose newest id the snapshot already holds is one a compaction folded in but was killed
    // before removing: replaying it would put ids the snapshot evicted back as the newest.
    const newest = log[log.length - 1];
    if (!(newest && this.set.has(newest.id))) for (const e of log) this.remember(e);
    // Fold the log in, and drop from the snapshot what aged out or no longer fits.
    if (existsSync(this.logPath) || this.set.size < snapshot.length) this.compact();
  }

  /** Recorded, or claimed and not yet recorded or released. */
  has(id: string): boolean {
    return this.set.has(id) || this.claimed.has(id);
  }

  /** True when the id is fresh and now reserved (in memory); false when seen or claimed already. */
  claim(id: string): boolean {
    if (this.has(id)) return false;
    this.claimed.add(id);
    return true;
  }

  /** Forget a claim (its handling failed; a redelivery must be accepted). */
  release(id: string): void {
    this.claimed.delete(id);
  }

  /** Record the id (ending its claim, if any): one line appended after this tick. `at` defaults to now. */
  add(id: string, at?: number): void {
    this.claimed.delete(id);
    if (this.set.has(id)) return;
    const entry: DedupeEntry = { id };
    if (this.options.maxAgeMs !== undefined) entry.at = at ?? this.now();
    if (!this.remember(entry)) return;
    this.unwritten.push(formatLogLine(entry));
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.flush();
      } catch (err) {
        this.options.log?.(`dedupe file ${this.logPath}: cannot append (${(err as Error).message})`);
      }
    });
  }

  /** Append the ids recorded since the last write, in one write. Throws when the disk refuses it. */
  flush(): void {
    if (this.unwritten.length === 0) return;
    const lines = this.unwritten;
    this.unwritten = [];
    if (this.logLines + lines.length >= this.foldAfterLines) {
      this.compact(); // the snapshot holds them
      return;
    }
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.logPath, "a", 0o600);
    }
    writeSync(this.fd, lines.length === 1 ? (lines[0] as string) : lines.join(""));
    this.stats.writes++;
    this.logLines += lines.length;
  }

  /** Ids recorded (not counting claims). */
  get size(): number {
    return this.set.size;
  }

  /** Write what is unwritten, release the log's file handle; a later `add` opens it again. */
  close(): void {
    try {
      this.flush();
    } finally {
      this.closeLog();
    }
  }

  private closeLog(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private readSnapshot(): DedupeEntry[] {
    const text = readIfExists(this.path);
    if (text === undefined) return [];
    try {
      return parseSnapshot(text);
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
      if (this.options.corrupt) throw this.options.corrupt(this.path, err.message);
      const aside = `${this.path}.corrupt-${Date.now()}`;
      renameSync(this.path, aside);
      this.options.log?.(`dedupe file ${this.path} is corrupt (${err.message}); moved to ${aside}`);
      return [];
    }
  }

  private expired(e: DedupeEntry, now: number): boolean {
    return this.options.maxAgeMs !== undefined && (e.at ?? 0) < now - this.options.maxAgeMs;
  }

  /** False when the entry is already past `maxAgeMs` (not kept). */
  private remember(e: DedupeEntry): boolean {
    const now = this.now();
    if (this.set.has(e.id) || this.expired(e, now)) return false;
    this.entries.push(e);
    this.set.add(e.id);
    let live = 0;
    while (this.entries.length - this.head > this.limit) {
      const old = this.entries[this.head];
      this.entries[this.head++] = undefined;
      if (!old) continue;
      this.set.delete(old.id);
      if (!this.expired(old, now)) live++;
    }
    if (this.head > this.limit) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (live > 0) this.options.onEvict?.(live);
    return true;
  }

  /** Snapshot the kept ids (temp + rename), then start an empty log. */
  private compact(): void {
    this.closeLog();
    this.unwritten = []; // the snapshot holds them
    const now = this.now();
    const kept = this.entries
      .slice(this.head)
      .filter((e): e is DedupeEntry => e !== undefined && !this.expired(e, now));
    writeFileAtomicSync(this.path, formatSnapshot(kept, this.options.maxAgeMs !== undefined), {
      mode: 0o600,
    });
    rmSync(this.logPath, { force: true });
    this.logLines = 0;
  }
}
