/**
 * Client-side throttling under DingTalk's limits (protocol §5.3): a token bucket per API (20 calls/s
 * per app per API) and one per chat (custom-robot style ≤ 20 messages/min, small bursts allowed).
 */
import { sleep } from "./timing.js";

export interface RateLimits {
  /** Calls per second per API name. */
  apiPerSecond: number;
  /** Messages per minute per chat. */
  chatPerMinute: number;
  /** Messages a chat may receive back to back before pacing starts. */
  chatBurst: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { apiPerSecond: 20, chatPerMinute: 20, chatBurst: 6 };

class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Milliseconds until one token is available (0 = now). */
  wait(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  take(): void {
    this.tokens -= 1;
  }
}

export class RateLimiter {
  private readonly apis = new Map<string, TokenBucket>();
  private readonly chats = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Wait until both the API bucket and (if given) the chat bucket have a token, then take them. */
  async acquire(api: string, chat: string | undefined, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const t = this.now();
      const a = this.bucket(this.apis, api, this.limits.apiPerSecond, this.limits.apiPerSecond / 1000, t);
      const c =
        chat === undefined
          ? undefined
          : this.bucket(this.chats, chat, this.limits.chatBurst, this.limits.chatPerMinute / 60_000, t);
      const wait = Math.max(a.wait(t), c?.wait(t) ?? 0);
      if (wait === 0) {
        a.take();
        c?.take();
        return;
      }
      await sleep(wait, signal);
    }
  }

  private bucket(
    map: Map<string, TokenBucket>,
    key: string,
    capacity: number,
    perMs: number,
    now: number,
  ): TokenBucket {
    let b = map.get(key);
    if (!b) {
      if (map.size > 1000) map.clear(); // bound memory; a reset only allows one extra burst
      b = new TokenBucket(Math.max(1, capacity), perMs, now);
      map.set(key, b);
    }
    return b;
  }
}
