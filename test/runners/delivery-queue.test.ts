import { afterEach, describe, expect, it, vi } from "vitest";
import { DeliveryQueue, type DeliveryTarget } from "../../src/runners/delivery.js";
import { advance, advanceUntil, fakeClockPerTest } from "../support/fake-clock.js";
import { chatEvent } from "./helpers.js";

// The queue's waits run on fake timers: time moves only when a test advances it.
vi.mock("node:timers/promises", async () => (await import("../support/fake-clock.js")).timersPromises());
fakeClockPerTest();

/** An in-memory terminal for the queue's edge cases; real-PTY delivery is in pty-delivery.test.ts. */
class FakeTerminal implements DeliveryTarget {
  running = true;
  startedAt = Date.now();
  firstOutputAt: number | undefined = Date.now();
  bracketedPaste = false;
  writes: string[] = [];
  failNext = 0;
  write(data: string): void {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("write failed");
    }
    this.writes.push(data);
  }
}

const FAST = {
  readyGraceMs: 0,
  readyMaxMs: 2_000,
  preambleDelayMs: 0,
  submitDelayMs: 0,
  pollMs: 10,
  retryMs: 30,
};
let queue: DeliveryQueue | undefined;
afterEach(() => queue?.stop());

const waitFor = (check: () => unknown, limitMs: number, what: string) => advanceUntil(check, limitMs, what);

describe("DeliveryQueue", () => {
  it("requeues a batch whose write failed and retries it", async () => {
    const term = new FakeTerminal();
    const delivered: string[][] = [];
    const errors: string[][] = [];
    queue = new DeliveryQueue({
      render: (events) => events.map((e) => String(e.data.text)).join("|"),
      timings: FAST,
      onDelivered: (ids) => delivered.push(ids),
      onError: (_err, ids) => errors.push(ids),
    });
    term.failNext = 1;
    queue.attach(term);
    queue.enqueue(chatEvent("e1", "user", { text: "one" }));
    await waitFor(() => delivered.length === 1, 3_000, "retry");
    expect(errors).toEqual([["e1"]]);
    expect(term.writes).toEqual(["one", "\r"]);
  });

  it("waits for first output, honours the minimum interval and the submit key", async () => {
    const term = new FakeTerminal();
    term.firstOutputAt = undefined;
    const times: number[] = [];
    queue = new DeliveryQueue({
      render: (events) => events.map((e) => e.id).join(","),
      submit: "newline",
      timings: { ...FAST, readyGraceMs: 50, minIntervalMs: 150 },
      onDelivered: () => times.push(Date.now()),
    });
    queue.attach(term);
    queue.enqueue(chatEvent("a", "user", {}));
    await advance(1_000);
    expect(term.writes).toEqual([]); // nothing printed yet: not ready
    term.firstOutputAt = Date.now();
    await waitFor(() => times.length === 1, 2_000, "first");
    queue.enqueue(chatEvent("b", "user", {}));
    await waitFor(() => times.length === 2, 2_000, "second");
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(150);
    expect(term.writes).toEqual(["a", "\n", "b", "\n"]);
  });

  it("types anyway after readyMaxMs when the app prints nothing", async () => {
    const term = new FakeTerminal();
    term.firstOutputAt = undefined;
    const delivered: string[][] = [];
    queue = new DeliveryQueue({
      render: () => "x",
      waitForBracketedPaste: true,
      timings: { ...FAST, readyMaxMs: 200 },
      onDelivered: (ids) => delivered.push(ids),
    });
    queue.attach(term);
    queue.enqueue(chatEvent("late", "user", {}));
    await waitFor(() => delivered.length === 1, 2_000, "forced delivery");
    expect(Date.now() - term.startedAt).toBeGreaterThanOrEqual(200);
  });

  it("a batch interrupted by attach() goes to the new terminal; one interrupted by reset() is dropped", async () => {
    const old = new FakeTerminal();
    const delivered: string[][] = [];
    queue = new DeliveryQueue({
      render: (events) => events.map((e) => e.id).join(","),
      timings: { ...FAST, submitDelayMs: 300 },
      onDelivered: (ids) => delivered.push(ids),
    });
    queue.attach(old);
    queue.enqueue(chatEvent("m1", "user", {}));
    await waitFor(() => old.writes.length === 1, 2_000, "typing into old terminal");
    const fresh = new FakeTerminal();
    queue.attach(fresh);
    await waitFor(() => delivered.length === 1, 2_000, "redelivery");
    expect(fresh.writes).toEqual(["m1", "\r"]);
    expect(old.writes).toEqual(["m1"]);

    queue.enqueue(chatEvent("m2", "user", {}));
    await waitFor(() => fresh.writes.length === 3, 2_000, "typing m2");
    queue.reset(fresh);
    await queue.whenIdle();
    expect(queue.size).toBe(0);
    expect(delivered).toEqual([["m1"]]);
    expect(queue.enqueue(chatEvent("m2", "user", {}))).toBe(1); // not delivered, so it can be re-enqueued
  });

  it("stop() mid-wait clears its timers and ignores later events", async () => {
    const term = new FakeTerminal();
    const delivered: string[][] = [];
    queue = new DeliveryQueue({
      render: () => "x",
      timings: { ...FAST, submitDelayMs: 5_000 },
      onDelivered: (ids) => delivered.push(ids),
    });
    queue.attach(term);
    queue.enqueue(chatEvent("s1", "user", {}));
    await waitFor(() => term.writes.length === 1, 2_000, "typing started");
    queue.stop();
    await queue.whenIdle();
    expect(queue.enqueue(chatEvent("s2", "user", {}))).toBe(0);
    expect(delivered).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
