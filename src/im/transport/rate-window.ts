/**
 * Client-side pacing (transport kit): a sliding window per API and one per chat, at the platform's
 * own limits (a platform folder supplies the numbers, e.g. 20 calls/s per API and 20 messages/min
 * per chat in its `rate-limit.ts`). A window allows its whole budget at once,
 * like the platform, so a quiet chat gets its budget out immediately and a busy one goes exactly as
 * fast as the platform accepts — there is no extra fixed pacing of our own.
 *
 * Use: `const slot = await limiter.acquire(api, chatKey, signal)` before the HTTP request, then
 * `slot.settle()` when the answer arrived (or the request failed), or `slot.release()` when the
 * platform refused the call for speed (it was not executed), followed by `limiter.hold(api,
 * chatKey, ms)`. Every outbound call of one app must use the same limiter (one QPS budget).
 *
 * A call holds its slot from `acquire` until `settle`, and the slot is then dated at the answer:
 * the platform saw the request no later than that, so the next window never opens early on its
 * clock, whatever the latency. A throttle answer (`hold`) closes the chat's and the API's windows
 * for the retry delay, so every queue waits, not only the refused call.
 */
import { abortError } from "./sleep.js";

export interface RateLimits {
  /** Calls per API per `apiWindowMs`. */
  apiCalls: number;
  apiWindowMs: number;
  /** Messages per chat per `chatWindowMs`. */
  chatMessages: number;
  chatWindowMs: number;
}

/** A taken slot: call `settle()` when the platform answered (or the call failed). */
export interface Slot {
  settle(): void;
  /** The platform refused the call for speed (not executed): it does not count. */
  release(): void;
}

/** Re-check a window whose freeing slot is still in flight this often (settling re-checks at once). */
const UNSETTLED_RECHECK_MS = 1_000;

/** A shared budget across APIs, and the waiter's place in it (request.ts `CallSpec`). */
export interface AcquireOptions {
  budget?: string;
  low?: boolean;
}

interface Waiter extends AcquireOptions {
  api: string;
  chat: string | undefined;
  resolve(slot: Slot): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Keys kept before idle ones are pruned (a key idle for a whole window holds no information). */
const MAX_KEYS = 1000;

class SlidingWindow {
  /** Slot times, oldest first; an unsettled slot counts as "now". */
  private readonly slots: Array<{ at: number; settled: boolean }> = [];
  private heldUntil = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until a slot is free (0 = now). */
  wait(now: number): number {
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const s = this.slots[i];
      if (s?.settled && s.at + this.windowMs <= now) this.slots.splice(i, 1);
    }
    const held = Math.max(0, this.heldUntil - now);
    if (this.slots.length < this.limit) return held;
    // Full: the slot that must leave the window first. One still in flight is dated when it settles
    // (which re-checks the waiters); the long fallback only guards against a slot never settled.
    const times = this.slots.map((s) => (s.settled ? s.at : Number.POSITIVE_INFINITY)).sort((a, b) => a - b);
    const oldest = times[times.length - this.limit] ?? Number.POSITIVE_INFINITY;
    const free = Number.isFinite(oldest) ? oldest + this.windowMs - now : UNSETTLED_RECHECK_MS;
    return Math.max(held, free, 1);
  }

  take(now: number, clock: () => number, onSettle: () => void): Slot {
    const slot = { at: now, settled: false };
    this.slots.push(slot);
    return {
      settle: () => {
        if (slot.settled) return;
        slot.at = Math.max(slot.at, clock());
        slot.settled = true;
        onSettle();
      },
      release: () => {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        onSettle();
      },
    };
  }

  hold(until: number): void {
    this.heldUntil = Math.max(this.heldUntil, until);
  }

  idle(now: number): boolean {
    return this.wait(now) === 0 && this.slots.length === 0;
  }
}

export class RateLimiter {
  private readonly apis = new Map<string, SlidingWindow>();
  private readonly chats = new Map<string, SlidingWindow>();
  /** Budgets shared by several APIs (messages and cards: `im`), at the per-API limit. */
  private readonly budgets = new Map<string, SlidingWindow>();
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly limits: RateLimits;

  constructor(
    limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...limits };
  }

  /**
   * Wait until both the API window and (if given) the chat window have room, then take a slot in
   * each. Waiters are served in arrival order per window, all from one timer: thousands of queued
   * calls cost one timer, not one poll each. With `budget`, a slot in that shared window is taken
   * too; `low` waiters go after every other waiter (a card's intermediate update after answers).
   */
  acquire(
    api: string,
    chat: string | undefined,
    signal?: AbortSignal,
    opts: AcquireOptions = {},
  ): Promise<Slot> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = { api, chat, resolve, reject, budget: opts.budget, low: opts.low };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(abortError(signal));
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Grant every waiter whose windows have room (in order), then sleep until the next could. */
  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiters.length === 0) return;
    const { apiCalls, apiWindowMs, chatMessages, chatWindowMs } = this.limits;
    const t = this.now();
    let next = Number.POSITIVE_INFINITY;
    const blocked = new Set<string>();
    const blockedApis = new Set<string>();
    const blockedBudgets = new Set<string>();
    // Stable: low waiters move behind the others, each class keeps its order.
    this.waiters.sort((x, y) => Number(x.low === true) - Number(y.low === true));
    this.waiters = this.waiters.filter((w) => {
      // A chat whose earlier waiter is blocked stays blocked: its calls keep their order.
      const key = w.chat === undefined ? undefined : `${w.api}\n${w.chat}`;
      if (blockedApis.has(w.api) || (key !== undefined && blocked.has(key))) return true;
      if (w.budget !== undefined && blockedBudgets.has(w.budget)) return true;
      const a = this.window(this.apis, w.api, apiCalls, apiWindowMs, t);
      const c =
        w.chat === undefined ? undefined : this.window(this.chats, w.chat, chatMessages, chatWindowMs, t);
      const b =
        w.budget === undefined ? undefined : this.window(this.budgets, w.budget, apiCalls, apiWindowMs, t);
      const apiWait = a.wait(t);
      const budgetWait = b?.wait(t) ?? 0;
      const wait = Math.max(apiWait, budgetWait, c?.wait(t) ?? 0);
      if (wait > 0) {
        next = Math.min(next, wait);
        if (apiWait > 0) blockedApis.add(w.api);
        if (budgetWait > 0 && w.budget !== undefined) blockedBudgets.add(w.budget);
        if (key !== undefined) blocked.add(key);
        return true;
      }
      const recheck = () => this.pump();
      const slots = [a.take(t, this.now, recheck)];
      if (c) slots.push(c.take(t, this.now, recheck));
      if (b) slots.push(b.take(t, this.now, recheck));
      if (w.onAbort) w.signal?.removeEventListener("abort", w.onAbort);
      w.resolve({
        settle: () => {
          for (const s of slots) s.settle();
        },
        release: () => {
          for (const s of slots) s.release();
        },
      });
      return false;
    });
    if (this.waiters.length > 0 && Number.isFinite(next)) {
      this.timer = setTimeout(() => this.pump(), next);
      this.timer.unref();
    }
  }

  /** The platform said "too fast": no call on this API or to this chat for `ms`. */
  hold(api: string, chat: string | undefined, ms: number): void {
    const { apiCalls, apiWindowMs, chatMessages, chatWindowMs } = this.limits;
    const t = this.now();
    this.window(this.apis, api, apiCalls, apiWindowMs, t).hold(t + ms);
    if (chat !== undefined) this.window(this.chats, chat, chatMessages, chatWindowMs, t).hold(t + ms);
    this.pump();
  }

  private window(
    map: Map<string, SlidingWindow>,
    key: string,
    limit: number,
    windowMs: number,
    now: number,
  ): SlidingWindow {
    let w = map.get(key);
    if (!w) {
      if (map.size >= MAX_KEYS) for (const [k, v] of map) if (v.idle(now)) map.delete(k);
      w = new SlidingWindow(Math.max(1, limit), windowMs);
      map.set(key, w);
    }
    return w;
  }
}
