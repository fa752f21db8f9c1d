/**
 * Keyed token buckets (transport kit): `capacity` tokens per key, refilled continuously at
 * `capacity` per `perMs`. Used where a caller must decide at once (no waiting), e.g. the inbound
 * flood limit per chat; outbound calls that wait for room use the sliding windows of
 * rate-window.ts instead, because those must match the platform's own windows exactly.
 */
export interface BucketRate {
  /** Bucket size, and the refill per `perMs`. */
  capacity: number;
  perMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rate: BucketRate,
    /** Buckets kept before full (idle) ones are forgotten. */
    private readonly maxKeys = 10_000,
  ) {}

  /**
   * Take one token of `key` at time `now`. False: the bucket is empty. Times slightly out of order
   * (a journal replay) never refill backwards.
   */
  take(key: string, now: number): boolean {
    const { capacity, perMs } = this.rate;
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + (Math.max(0, now - b.at) * capacity) / perMs);
    b.at = Math.max(b.at, now);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.forgetFull(now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private forgetFull(now: number): void {
    const { capacity, perMs } = this.rate;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * capacity) / perMs >= capacity) this.buckets.delete(key);
    }
  }
}
