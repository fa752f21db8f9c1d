/**
 * DingTalk's rate limits as the fake enforces them (protocol §5.3): per app per API, calls per
 * window (20 per second), and per chat, messages per window (20 per minute). Sliding windows over
 * accepted calls; a refused call is not executed and does not count. Scaled-down windows let tests
 * and benchmarks check pacing without waiting minutes.
 */

export interface FakeLimits {
  apiCalls: number;
  apiWindowMs: number;
  chatMessages: number;
  chatWindowMs: number;
}

export const PLATFORM_LIMITS: FakeLimits = {
  apiCalls: 20,
  apiWindowMs: 1_000,
  chatMessages: 20,
  chatWindowMs: 60_000,
};

export type LimitVerdict = "ok" | "api" | "chat";

export class FakeLimiter {
  private readonly apis = new Map<string, number[]>();
  private readonly chats = new Map<string, number[]>();
  /** Calls refused for speed, by which limit. */
  readonly throttled = { api: 0, chat: 0 };

  constructor(readonly limits: FakeLimits | null) {}

  /** Count the call if both windows have room; otherwise say which limit refused it. */
  admit(api: string, chat: string | undefined, now = Date.now()): LimitVerdict {
    const l = this.limits;
    if (!l) return "ok";
    const a = recent(this.apis, api, l.apiWindowMs, now);
    if (a.length >= l.apiCalls) {
      this.throttled.api++;
      return "api";
    }
    const c = chat === undefined ? undefined : recent(this.chats, chat, l.chatWindowMs, now);
    if (c && c.length >= l.chatMessages) {
      this.throttled.chat++;
      return "chat";
    }
    a.push(now);
    c?.push(now);
    return "ok";
  }
}

function recent(map: Map<string, number[]>, key: string, windowMs: number, now: number): number[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  while (list.length > 0 && (list[0] ?? 0) + windowMs <= now) list.shift();
  return list;
}
