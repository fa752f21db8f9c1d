/**
 * Typed transport errors (transport kit). Every failure of an outbound platform call says whether
 * and when it may be tried again, so the one layer that owns the retry policy (transport/retry.ts)
 * decides without knowing the platform's codes:
 *
 * - `no`: retrying cannot help (bad credentials, no permission, chat gone, bad request);
 * - `after`: the platform refused for speed; wait at least `retryAfterMs`, then retry;
 * - `backoff`: a transient fault (5xx, no answer); retry with backoff.
 *
 * Platform folders subclass `TransportError` with their own stable codes (each folder's
 * `errors.ts`); the bridge core reads only `retry`/`retryAfterMs` (see `retryOf`).
 */
import { CcccError } from "../../kernel/errors.js";

export type RetryClass = "no" | "after" | "backoff";

export interface RetryInfo {
  retry: RetryClass;
  /** For `after`: the least wait before the next attempt (ms). */
  retryAfterMs?: number;
}

export interface TransportErrorDetails extends Record<string, unknown> {
  retry?: RetryClass;
  retryAfterMs?: number;
}

export class TransportError extends CcccError {
  readonly retry: RetryClass;
  retryAfterMs?: number;

  constructor(code: string, message: string, status: number, details: TransportErrorDetails = {}) {
    super(code, message, status, details);
    this.retry = details.retry ?? "no";
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

const RETRY_CLASSES = new Set<unknown>(["no", "after", "backoff"]);

/**
 * The retry classification of anything thrown: a `TransportError`, or any error object carrying a
 * valid `retry` field (adapters outside this repository). Undefined when the error says nothing.
 */
export function retryOf(error: unknown): RetryInfo | undefined {
  if (!error || typeof error !== "object") return undefined;
  const { retry, retryAfterMs } = error as { retry?: unknown; retryAfterMs?: unknown };
  if (!RETRY_CLASSES.has(retry)) return undefined;
  const info: RetryInfo = { retry: retry as RetryClass };
  if (typeof retryAfterMs === "number" && retryAfterMs > 0) info.retryAfterMs = retryAfterMs;
  return info;
}
