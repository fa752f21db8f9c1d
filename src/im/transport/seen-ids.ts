/**
 * Durable dedupe (transport kit): a persisted "seen" set of inbound message ids, the last N. A
 * platform may push a message again with the same id (e.g. a frame that was not acked, or one that
 * straddled a reconnect); the receiver drops the copy.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomicSync } from "../../kernel/fs-util.js";

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

/**
 * The last `limit` ids: a snapshot file (`{"v":1,"ids":[…]}`) plus an append-only log beside it
 * (`<path>.log`, one id per line). `add` appends one line (no rewrite, no fsync: the cache is
 * rebuildable, the ledger is idempotent on message ids); the log is folded into the snapshot
 * (temp + rename) on open and once it holds `limit` lines, so the cost per id stays flat.
 */
export class FileDedupe implements DedupeStore {
  private ids: string[] = [];
  private head = 0;
  private readonly set = new Set<string>();
  private fd: number | undefined;
  private logLines = 0;
  readonly logPath: string;

  constructor(
    readonly path: string,
    private readonly limit = 2000,
    log: (line: string) => void = () => {},
  ) {
    this.logPath = `${path}.log`;
    const text = readIfExists(path);
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as { ids?: unknown };
        if (!Array.isArray(parsed.ids)) throw new Error("missing ids array");
        for (const id of parsed.ids) if (typeof id === "string") this.remember(id);
      } catch (err) {
        // A dedupe cache is rebuildable (the ledger is idempotent on message ids), so a corrupt file
        // is set aside with a log line instead of blocking the bridge.
        const aside = `${path}.corrupt-${Date.now()}`;
        renameSync(path, aside);
        log(`dedupe file ${path} is corrupt (${(err as Error).message}); moved to ${aside}`);
      }
    }
    // A torn last line (crash mid-append) is just a shorter id that never matches: harmless.
    for (const id of (readIfExists(this.logPath) ?? "").split("\n")) if (id) this.remember(id);
    if (existsSync(this.logPath)) this.compact();
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  add(id: string): void {
    if (this.set.has(id)) return;
    this.remember(id);
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.logPath, "a", 0o600);
    }
    writeSync(this.fd, `${id.replace(/\n/g, " ")}\n`);
    if (++this.logLines >= this.limit) this.compact();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private remember(id: string): void {
    if (this.set.has(id)) return;
    this.ids.push(id);
    this.set.add(id);
    while (this.ids.length - this.head > this.limit) {
      const old = this.ids[this.head++];
      if (old !== undefined) this.set.delete(old);
    }
    if (this.head > this.limit) {
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
  }

  /** Snapshot the last `limit` ids (temp + rename), then start an empty log. */
  private compact(): void {
    this.close();
    writeFileAtomicSync(this.path, `${JSON.stringify({ v: 1, ids: this.ids.slice(this.head) })}\n`, {
      mode: 0o600,
    });
    rmSync(this.logPath, { force: true });
    this.logLines = 0;
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
