import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { afterEach, describe, expect, it } from "vitest";
import { compactingGc, HeapSettle, minorGc } from "../../src/daemon/heap-settle.js";

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A settle with a fake heap and fake utilisation, checking every 10 ms, quiet after 30 ms. */
function fakeSettle(state: { size: number; busy: number }): { settle: HeapSettle; gcs: () => number } {
  let gcs = 0;
  const settle = new HeapSettle({
    checkMs: 10,
    quietMs: 30,
    confirmMs: 10,
    heapSize: () => state.size,
    utilization: () => state.busy,
    gc: () => {
      gcs++;
      state.size = 40 * MiB; // what the GC gave back
    },
  });
  return { settle, gcs: () => gcs };
}

const started: HeapSettle[] = [];
afterEach(() => {
  for (const s of started.splice(0)) s.stop();
});

describe("HeapSettle", () => {
  it("runs one GC once the heap grew and the loop was quiet, then re-arms from the new size", async () => {
    const state = { size: 40 * MiB, busy: 0 };
    const { settle, gcs } = fakeSettle(state);
    started.push(settle);
    settle.start();
    await sleep(80);
    expect(gcs()).toBe(0); // quiet, but no growth
    state.size = 70 * MiB;
    await sleep(100);
    expect(gcs()).toBe(1);
    await sleep(80);
    expect(gcs()).toBe(1); // re-armed at 40 MiB: nothing grew since
    state.size = 60 * MiB;
    await sleep(100);
    expect(gcs()).toBe(2);
  });

  it("does not run while the event loop is busy, and runs once it is quiet", async () => {
    const state = { size: 40 * MiB, busy: 0.9 };
    const { settle, gcs } = fakeSettle(state);
    started.push(settle);
    settle.start();
    state.size = 100 * MiB;
    await sleep(150);
    expect(gcs()).toBe(0);
    state.busy = 0.01;
    await sleep(100);
    expect(gcs()).toBe(1);
  });

  it("looks again before the pause: a burst that began right after a quiet check gets no GC", async () => {
    const state = { busy: 0 };
    let gcs = 0;
    let burstBegins = true;
    let sizeReads = 0;
    const settle = new HeapSettle({
      checkMs: 10,
      quietMs: 30,
      confirmMs: 20,
      // Read at start (the baseline), then only once the loop was quiet long enough: a settle is due.
      heapSize: () => {
        if (sizeReads++ === 0) return 40 * MiB;
        if (burstBegins) state.busy = 0.9;
        return 100 * MiB;
      },
      utilization: () => state.busy,
      gc: () => gcs++,
    });
    started.push(settle);
    settle.start();
    await sleep(150);
    expect(gcs).toBe(0); // due once, busy by the second look: skipped, and busy since
    burstBegins = false;
    state.busy = 0;
    for (let waited = 0; gcs === 0 && waited < 2_000; waited += 10) await sleep(10);
    expect(gcs).toBe(1); // quiet again for a whole spell, and quiet at the second look
  });

  it("stop() clears its timer, however often it is started and stopped", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const state = { size: 40 * MiB, busy: 0 };
    const { settle, gcs } = fakeSettle(state);
    for (let i = 0; i < 50; i++) {
      settle.start();
      settle.start(); // idempotent
      settle.stop();
    }
    expect(timers()).toBe(before);
    settle.start();
    settle.stop();
    state.size = 100 * MiB;
    await sleep(80);
    expect(gcs()).toBe(0);
  });

  it("while the young generation is grown and the loop quiet, runs minor GCs until it shrank, at most youngTries in a row", async () => {
    const state = { young: 16 * MiB, busy: 0, minors: 0 };
    const settle = new HeapSettle({
      checkMs: 10,
      quietMs: 30,
      youngTries: 3,
      heapSize: () => 40 * MiB,
      youngSize: () => state.young,
      utilization: () => state.busy,
      gc: () => {},
      minorGc: () => {
        state.minors++;
      },
    });
    started.push(settle);
    settle.start();
    await sleep(150);
    expect(state.minors).toBe(3); // V8 never shrank it: three tries, then no more while quiet
    expect(settle.minorCount).toBe(3);
    expect(settle.count).toBe(0); // no growth of the whole heap: no compacting GC
    state.busy = 0.9;
    await sleep(40);
    expect(state.minors).toBe(3); // none while busy
    state.busy = 0.01;
    await sleep(40);
    state.young = 1 * MiB; // shrank in the next one
    await sleep(100);
    expect(state.minors).toBeGreaterThanOrEqual(3);
    expect(state.minors).toBeLessThanOrEqual(5); // a busy period re-armed the tries; none once small
    const after = state.minors;
    await sleep(80);
    expect(state.minors).toBe(after);
  });

  it("minorGc runs a scavenge (a minor GC), not a full one", async () => {
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        kinds.push((e as unknown as { detail: { kind: number } }).detail.kind);
    });
    observer.observe({ entryTypes: ["gc"] });
    try {
      minorGc();
      await sleep(50);
      expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MINOR);
      expect(kinds).not.toContain(constants.NODE_PERFORMANCE_GC_MAJOR);
    } finally {
      observer.disconnect();
    }
  });

  it("compactingGc gives back the old-space pages of garbage with survivors scattered among it", () => {
    // A plain major GC frees the garbage but keeps every page that holds a survivor: ~0 given back here.
    const oldSpace = () =>
      getHeapSpaceStatistics().find((s) => s.space_name === "old_space")?.space_size ?? 0;
    compactingGc();
    const base = oldSpace();
    let all: unknown[] = [];
    for (let i = 0; i < 200_000; i++) all.push({ i, s: `item ${i}`, a: [i, i + 1] });
    const survivors = all.filter((_, i) => i % 50 === 0);
    all = [];
    const grown = oldSpace();
    expect(grown - base).toBeGreaterThan(10 * MiB);
    compactingGc();
    expect(all.length + survivors.length).toBe(4000);
    expect(oldSpace() - base).toBeLessThan((grown - base) / 3);
  });
});
