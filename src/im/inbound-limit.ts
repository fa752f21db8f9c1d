/**
 * Per-chat inbound flood control: a token bucket per chat (default 20 messages per 10 s, bursts up
 * to 20), counting only what that chat sends, by arrival time. A refused message is counted, never
 * silently lost: each chat gets ONE "slow down" reply per window with the number refused, the
 * window is logged and recorded as `im.inbound_refused`. See docs/im-bridge.md "Floods and bounds".
 */
import { TokenBuckets } from "./transport/token-bucket.js";

export interface InboundRate {
  /** Bucket size and refill amount per `perMs`. */
  messages: number;
  perMs: number;
}

export const DEFAULT_INBOUND_RATE: InboundRate = { messages: 20, perMs: 10_000 };

/** Parse `CCCC_IM_INBOUND_RATE` (`20/10s`, `100/1m`, `50/500ms`, or `off`). Undefined: invalid. */
export function parseInboundRate(value: string): InboundRate | null | undefined {
  const v = value.trim().toLowerCase();
  if (v === "off" || v === "0") return null;
  const m = /^(\d+)\s*\/\s*(\d+)\s*(ms|s|m)?$/.exec(v);
  if (!m) return undefined;
  const messages = Number(m[1]);
  const unit = m[3] ?? "s";
  const perMs = Number(m[2]) * (unit === "ms" ? 1 : unit === "m" ? 60_000 : 1000);
  if (messages < 1 || perMs < 1) return undefined;
  return { messages, perMs };
}

interface Window<T> {
  count: number;
  reasons: Set<string>;
  latest: T;
  timer: NodeJS.Timeout;
}

export class InboundLimiter<T> {
  private readonly buckets: TokenBuckets | undefined;
  private windows = new Map<string, Window<T>>();
  /** Messages refused since start, all chats. */
  refusedTotal = 0;

  constructor(
    private readonly rate: InboundRate | null,
    private readonly now: () => number,
    /** Called once per chat and window with what was refused; `latest` carries the reply route. */
    private readonly onWindowEnd: (chatId: string, count: number, reasons: string[], latest: T) => void,
  ) {
    if (rate) this.buckets = new TokenBuckets({ capacity: rate.messages, perMs: rate.perMs });
  }

  get limit(): InboundRate | null {
    return this.rate;
  }

  /**
   * Take a token for one message of `chatId` that arrived at `at` (default now). False: over the
   * rate, refuse it. Arrival times slightly out of order (journal replay) never refill backwards.
   */
  take(chatId: string, at?: number): boolean {
    if (!this.buckets) return true;
    return this.buckets.take(chatId, Math.min(at ?? this.now(), this.now()));
  }

  /** Count a refused message; the first one of a chat opens a window that ends with one report. */
  refuse(chatId: string, reason: string, message: T): void {
    this.refusedTotal++;
    const open = this.windows.get(chatId);
    if (open) {
      open.count++;
      open.reasons.add(reason);
      open.latest = message;
      return;
    }
    const timer = setTimeout(() => this.close(chatId), this.rate?.perMs ?? DEFAULT_INBOUND_RATE.perMs);
    timer.unref?.();
    this.windows.set(chatId, { count: 1, reasons: new Set([reason]), latest: message, timer });
  }

  private close(chatId: string): void {
    const w = this.windows.get(chatId);
    if (!w) return;
    clearTimeout(w.timer);
    this.windows.delete(chatId);
    this.onWindowEnd(chatId, w.count, [...w.reasons], w.latest);
  }

  /** Report every open window now (stop), then clear all timers. */
  flush(): void {
    for (const chatId of [...this.windows.keys()]) this.close(chatId);
  }
}
