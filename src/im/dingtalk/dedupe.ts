/**
 * Persisted "seen" set for inbound message ids (protocol §1.7: DingTalk re-pushes unacked or
 * reconnect-straddling messages with the same msgId). Keeps the last N ids; every add rewrites the
 * file atomically (temp + rename) so a crash never leaves a torn file.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

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

export class FileDedupe implements DedupeStore {
  private readonly ids: string[] = [];
  private readonly set = new Set<string>();

  constructor(
    readonly path: string,
    private readonly limit = 2000,
    log: (line: string) => void = () => {},
  ) {
    let text: string | undefined;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (text === undefined) return;
    try {
      const parsed = JSON.parse(text) as { ids?: unknown };
      if (!Array.isArray(parsed.ids)) throw new Error("missing ids array");
      for (const id of parsed.ids) if (typeof id === "string") this.remember(id);
    } catch (err) {
      // A dedupe cache is rebuildable (the ledger is idempotent on message ids), so a corrupt file is
      // set aside with a log line instead of blocking the bridge.
      const aside = `${path}.corrupt-${Date.now()}`;
      renameSync(path, aside);
      log(`dedupe file ${path} is corrupt (${(err as Error).message}); moved to ${aside}`);
    }
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  add(id: string): void {
    if (this.set.has(id)) return;
    this.remember(id);
    this.save();
  }

  private remember(id: string): void {
    if (this.set.has(id)) return;
    this.ids.push(id);
    this.set.add(id);
    while (this.ids.length > this.limit) {
      const old = this.ids.shift();
      if (old !== undefined) this.set.delete(old);
    }
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ v: 1, ids: this.ids })}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
