/**
 * Gives memory back after a burst. V8 grows its heap under load (an ingest burst takes the daemon's
 * committed heap from ~40 to ~100+ MiB, mostly garbage promoted mid-burst) and then keeps it: an idle
 * daemon allocates too little to trigger a major GC, so RSS stays at its peak for as long as nothing
 * happens (docs/bench.md, "Ingest memory after a burst"). Here: when the committed heap grew by
 * `growthBytes` since the last settle and the event loop has been quiet for `quietMs`, one
 * compacting major GC runs (it moves live objects together so emptied pages go back to the OS),
 * then it re-arms from the new size. Costs a GC pause of tens of ms, once per burst, when idle.
 * Before the pause it looks once more over `confirmMs`: a burst that began just before a check
 * hardly shows in a second of idle, and the GC landed in its first messages (and threw away
 * optimized code they were about to use).
 *
 * The young generation (8 MiB semi-spaces: 16 MiB committed after a burst, docs/bench.md) shrinks
 * back only in a GC that sees V8's allocation rate over its last ~5 s as low, which the settle
 * 2 s after a burst does not (the 🤔 reactions still drain then): it stayed grown until V8's memory
 * reducer happened to run, 30–60 s later. So while the young generation is above `youngBytes` and
 * the loop is quiet, a minor GC (a scavenge of a nearly empty young generation: ~1 ms) runs at each
 * check, at most `youngTries` in a row (a busy period re-arms them), until V8 shrinks it.
 */
import { performance } from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const MiB = 1024 * 1024;

export interface HeapSettleOptions {
  /** Growth of the committed heap since the last settle that makes one due (default 8 MiB: less than what the young generation alone adds when it grows to two 8 MiB semi-spaces, so every burst, startup included, gets its settle). */
  growthBytes?: number;
  /** How long the event loop must have been quiet (default 2 s). */
  quietMs?: number;
  /** How often it looks (default 1 s); a look costs microseconds. */
  checkMs?: number;
  /** The second look before a settle (default 50 ms): still quiet, or it waits for the next quiet spell. */
  confirmMs?: number;
  /** Event-loop utilisation (0–1) below which a period counts as quiet (default 0.1). */
  quietUtilization?: number;
  /** Committed young generation above which minor GCs are tried when quiet (default 4 MiB). */
  youngBytes?: number;
  /** Minor GCs tried at most per quiet period (default 30). */
  youngTries?: number;
  /** Tests: the committed heap and young generation sizes, the GCs, and utilisation since the previous call. */
  heapSize?: () => number;
  youngSize?: () => number;
  gc?: () => void;
  minorGc?: () => void;
  utilization?: () => number;
}

type Gc = (options?: { type: "major" | "minor" }) => void;

let exposedGc: Gc | undefined;

/** V8's `gc`, exposed at run time (the daemon is not started with --expose-gc). */
function v8Gc(): Gc {
  const global = (globalThis as { gc?: Gc }).gc;
  if (global) return global;
  if (!exposedGc) {
    setFlagsFromString("--expose-gc");
    exposedGc = runInNewContext("gc") as Gc;
  }
  return exposedGc;
}

/**
 * One full GC that also compacts. A plain major GC frees objects but leaves the surviving ones
 * scattered over the pages, which V8 then keeps; compaction is switched on for this one call only.
 */
export function compactingGc(): void {
  const gc = v8Gc();
  setFlagsFromString("--compact-on-every-full-gc");
  try {
    gc();
  } finally {
    setFlagsFromString("--no-compact-on-every-full-gc");
  }
}

/** One scavenge: V8 shrinks the young generation in it when its allocation rate is low. */
export function minorGc(): void {
  v8Gc()({ type: "minor" });
}

function youngGeneration(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

function eluMeter(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

export class HeapSettle {
  private timer: NodeJS.Timeout | undefined;
  private confirming: NodeJS.Timeout | undefined;
  private baseline = 0;
  private quietSince: number | undefined;
  private settles = 0;
  private minors = 0;
  private youngLeft = 0;
  private readonly heapSize: () => number;
  private readonly youngSize: () => number;
  private readonly gc: () => void;
  private readonly minorGc: () => void;
  private utilization: () => number;

  constructor(private readonly opts: HeapSettleOptions = {}) {
    this.heapSize = opts.heapSize ?? (() => getHeapStatistics().total_heap_size);
    this.youngSize = opts.youngSize ?? youngGeneration;
    this.gc = opts.gc ?? compactingGc;
    this.minorGc = opts.minorGc ?? minorGc;
    this.utilization = opts.utilization ?? eluMeter();
  }

  /** How many settles ran (for tests and logs). */
  get count(): number {
    return this.settles;
  }

  /** How many minor GCs it ran to shrink the young generation (tests). */
  get minorCount(): number {
    return this.minors;
  }

  start(): void {
    if (this.timer) return;
    this.baseline = this.heapSize();
    this.quietSince = undefined;
    this.youngLeft = this.opts.youngTries ?? 30;
    if (!this.opts.utilization) this.utilization = eluMeter();
    this.timer = setInterval(() => this.check(), this.opts.checkMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.confirming);
    this.timer = this.confirming = undefined;
  }

  private quiet(): boolean {
    return this.utilization() <= (this.opts.quietUtilization ?? 0.1);
  }

  private check(): void {
    if (this.confirming) return;
    const now = performance.now();
    const busy = !this.quiet();
    if (busy) {
      this.quietSince = undefined;
      this.youngLeft = this.opts.youngTries ?? 30;
      return;
    }
    // Quiet since the start of this period, so one quiet check counts a whole period.
    this.quietSince ??= now - (this.opts.checkMs ?? 1000);
    if (now - this.quietSince < (this.opts.quietMs ?? 2000)) return;
    const size = this.heapSize();
    if (size < this.baseline) this.baseline = size; // V8 shrank it by itself
    if (size - this.baseline < (this.opts.growthBytes ?? 8 * MiB)) {
      if (this.youngLeft > 0 && this.youngSize() > (this.opts.youngBytes ?? 4 * MiB)) {
        this.youngLeft--;
        this.minorGc();
        this.minors++;
      }
      return;
    }
    this.confirming = setTimeout(() => this.settle(), this.opts.confirmMs ?? 50);
    this.confirming.unref();
  }

  private settle(): void {
    this.confirming = undefined;
    this.quietSince = undefined; // either way: the next settle waits for a whole quiet spell
    if (!this.quiet()) return;
    this.gc();
    this.settles++;
    this.baseline = this.heapSize();
    // The GC's own pause must not make the next period look busy.
    if (!this.opts.utilization) this.utilization = eluMeter();
  }
}
