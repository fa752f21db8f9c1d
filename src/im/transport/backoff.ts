/**
 * The one backoff formula of the bridge (transport kit): "equal jitter" exponential backoff. The
 * delay for `attempt` (0 = first retry) is half fixed, half random, of `min(maxMs, baseMs·2^attempt)`,
 * so retries spread out, never collapse to zero and never exceed the cap. Used by the Stream
 * reconnect loop, the per-chat send queue, the platform API clients and the bridge supervisor.
 */
export interface BackoffPolicy {
  /** The first delay's cap (the first retry waits ½–1 × this). */
  baseMs: number;
  /** The cap of every delay (at the cap a retry waits ½–1 × this). */
  maxMs: number;
}

export function backoffDelay(policy: BackoffPolicy, attempt: number, random = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
