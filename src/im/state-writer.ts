/**
 * Writing the bridge's state files (state.ts): each write is atomic (state-file.ts), one at a time
 * per file, and coalesced — while a write is queued, later changes join it (its snapshot is taken
 * when it starts), so a flood costs two writes, not N.
 *
 * Paced files (the ones rewritten on every inbound message, off the message's path: nobody awaits
 * them) are also written at most once per `gapMs`, so a burst of thousands of messages costs a few
 * rewrites of the whole file, not one after another. `flush()` (bridge stop) writes them at once.
 */
import { writeJsonFile } from "./state-file.js";

export const WRITE_GAP_MS = 1000;

export class StateWriter<F extends string> {
  private writes = new Map<F, Promise<void>>();
  /** A write queued behind the running one. */
  private queued = new Map<F, Promise<void>>();
  /** When each file's last write started, and the paced writes waiting for their gap. */
  private lastWrite = new Map<F, number>();
  private waiting = new Map<F, () => void>();
  private readonly written = new Map<F, number>();

  constructor(
    private readonly pathOf: (file: F) => string,
    private readonly paced: ReadonlySet<F>,
    private readonly gapMs = WRITE_GAP_MS,
  ) {}

  /** Write `file` after the write in progress (and, paced, after its gap). */
  persist(file: F, snapshot: () => unknown): Promise<void> {
    const queued = this.queued.get(file);
    if (queued) return queued;
    const previous = this.writes.get(file) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.gap(file))
      .then(() => {
        this.queued.delete(file);
        this.lastWrite.set(file, Date.now());
        this.written.set(file, (this.written.get(file) ?? 0) + 1);
        return writeJsonFile(this.pathOf(file), snapshot());
      });
    this.queued.set(file, next);
    this.writes.set(file, next);
    return next;
  }

  /** Start every paced write now and wait for every pending write. */
  async flush(): Promise<void> {
    for (const go of [...this.waiting.values()]) go();
    await Promise.all([...this.writes.values()]);
  }

  /** How many times the file was written (tests, benchmarks). */
  writesOf(file: F): number {
    return this.written.get(file) ?? 0;
  }

  private gap(file: F): Promise<void> {
    const wait = (this.lastWrite.get(file) ?? 0) + this.gapMs - Date.now();
    if (!this.paced.has(file) || wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const go = () => {
        clearTimeout(timer);
        this.waiting.delete(file);
        resolve();
      };
      const timer = setTimeout(go, wait);
      this.waiting.set(file, go);
    });
  }
}
