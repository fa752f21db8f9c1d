/** TickBatch: what is added in one tick is handed over in one call; each caller gets its own outcome. */
import { describe, expect, it } from "vitest";
import { TickBatch } from "../../src/kernel/tick-batch.js";

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message }),
  );

describe("TickBatch", () => {
  it("hands the items of one tick over in one call, in order; the next tick is another call", async () => {
    const calls: number[][] = [];
    const batch = new TickBatch<number, string>(async (items) => {
      calls.push(items);
      return items.map((n) => `#${n}`);
    });
    const first = [1, 2, 3].map((n) => batch.add(n));
    // Added a few microtasks later, still in the same tick (as messages reaching the same step do).
    const late = Promise.resolve()
      .then(() => undefined)
      .then(() => batch.add(4));
    expect(await Promise.all([...first, late])).toEqual(["#1", "#2", "#3", "#4"]);
    await new Promise((r) => setImmediate(r));
    expect(await batch.add(5)).toBe("#5");
    expect(calls).toEqual([[1, 2, 3, 4], [5]]);
  });

  it("an Error answer fails only its caller; a rejected or throwing run fails the whole batch", async () => {
    const one = new TickBatch<number, number>(async (items) =>
      items.map((n) => (n === 2 ? new Error(`bad ${n}`) : n * 10)),
    );
    expect(await Promise.all([1, 2, 3].map((n) => settle(one.add(n))))).toEqual([
      { value: 10 },
      { error: "bad 2" },
      { value: 30 },
    ]);
    const rejecting = new TickBatch<number, number>(async () => {
      throw new Error("disk full");
    });
    expect(await Promise.all([1, 2].map((n) => settle(rejecting.add(n))))).toEqual([
      { error: "disk full" },
      { error: "disk full" },
    ]);
    const throwing = new TickBatch<number, number>(() => {
      throw new Error("sync");
    });
    expect(await settle(throwing.add(1))).toEqual({ error: "sync" });
    const short = new TickBatch<number, number>(async () => [1]);
    expect(await Promise.all([1, 2].map((n) => settle(short.add(n))))).toEqual([
      { value: 1 },
      { error: "batch answered no result for this item" },
    ]);
  });
});
