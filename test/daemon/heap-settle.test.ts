import { getHeapSpaceStatistics } from "node:v8";
import { afterEach, describe, expect, it } from "vitest";
import { compactingGc, HeapSettle } from "../../src/daemon/heap-settle.js";

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A settle with a fake heap and fake utilisation, checking every 10 ms, quiet after 30 ms. */
function fakeSettle(state: { size: number; busy: number }): { settle: HeapSettle; gcs: () => number } {
  let gcs = 0;
  const settle = new HeapSettle({
    checkMs: 10,
    quietMs: 30,
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
