/**
 * Vitest fake timers for unit tests of code that owns its timers (pacing windows, backoff, board
 * refresh, …): time moves only when the test says so, so "not yet at 199 ms, granted at 200 ms" is
 * an exact assertion instead of a sleep plus a tolerance that a loaded machine breaks.
 *
 * Only for code whose waits are timers and promises: real sockets, files and child processes still
 * run on real time (use `waitFor` in cli.ts for those).
 */
import { afterEach, beforeEach, vi } from "vitest";
import { sleep } from "../../src/im/transport/sleep.js";

/** Install fake timers (setTimeout, setInterval, Date, …) around every test of the calling file. */
export function fakeClockPerTest(start = Date.parse("2026-09-01T08:00:00Z")): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: start });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Move the fake clock by `ms`, running the timers due and the promise callbacks they start. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

export interface Tracked<T> {
  /** True once the promise settled (either way). */
  readonly done: boolean;
  /** The value it resolved with (throws if it is not resolved). */
  readonly value: T;
  readonly error: unknown;
}

/** Watch a promise without awaiting it, to assert whether it settled at a given fake time. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const state: { done: boolean; ok?: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, ok: true, value }),
    (error: unknown) => Object.assign(state, { done: true, ok: false, error }),
  );
  return {
    get done() {
      return state.done;
    },
    get value() {
      if (!state.ok) throw new Error(state.done ? `rejected: ${String(state.error)}` : "still pending");
      return state.value as T;
    },
    get error() {
      return state.error;
    },
  };
}

/**
 * Advance the fake clock 1 ms at a time until `check` holds; returns the fake milliseconds it took.
 * Fails after `limitMs` of fake time (a bound, not a sleep: it costs no real time).
 */
export async function advanceUntil(check: () => unknown, limitMs: number, what: string): Promise<number> {
  for (let elapsed = 0; ; elapsed++) {
    if (check()) return elapsed;
    if (elapsed >= limitMs) throw new Error(`not within ${limitMs} ms of fake time: ${what}`);
    await vi.advanceTimersByTimeAsync(1);
  }
}

/**
 * `node:timers/promises` on the global timers, so Vitest's fake timers drive it too (they replace
 * the globals only). Use in a test file whose code under test imports it:
 * `vi.mock("node:timers/promises", async () => (await import("../support/fake-clock.js")).timersPromises());`
 */
export function timersPromises(): {
  setTimeout: <T = void>(ms?: number, value?: T, options?: { signal?: AbortSignal }) => Promise<T>;
} {
  // The transport kit's abortable sleep runs on the global setTimeout.
  return { setTimeout: (ms, value, options) => sleep(ms ?? 0, options?.signal).then(() => value as never) };
}
