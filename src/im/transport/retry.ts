/**
 * Retry policy (transport kit). Exactly one layer owns the retries of one outbound call: for chat
 * messages and uploads it is the bridge's per-chat send queue (`src/im/send-queue.ts`), which
 * survives long outages without losing order; for calls nobody queues (access token, file
 * download, reactions) it is the platform's client function (its `request.ts`). The other layers
 * make one attempt and throw a classified `TransportError` (errors.ts). So a send that always fails
 * costs at most `attempts` platform calls per route, never attempts × attempts.
 */
import { type BackoffPolicy, backoffDelay } from "./backoff.js";
import type { RetryInfo } from "./errors.js";

export interface RetryPolicy extends BackoffPolicy {
  /** Attempts in all (the first one included) before giving up. */
  attempts: number;
}

/**
 * How long to wait before attempt `attempt + 1` after attempt `attempt` (0-based) failed with
 * `info`; undefined when the error must not be retried or the attempts are used up. A platform's
 * "retry after" is a floor: the backoff still grows while the refusals go on.
 */
export function retryDelay(
  info: RetryInfo | undefined,
  policy: RetryPolicy,
  attempt: number,
  random = Math.random,
): number | undefined {
  if (!info || info.retry === "no" || attempt + 1 >= policy.attempts) return undefined;
  const backoff = backoffDelay(policy, attempt, random);
  return info.retry === "after" ? Math.max(info.retryAfterMs ?? 0, backoff) : backoff;
}
