/**
 * Replay protection for HTTP mode (docs/dingtalk-transport.md, "HTTP mode replays").
 * A robot message's `timestamp`+`sign` does not cover the body, and an encrypted event's signature
 * is valid as long as its timestamp is: a captured request could be replayed, with a forged body,
 * for the whole ±1 h window. So each verified (timestamp, sign) or (timestamp, nonce) is used once:
 * - `begin` refuses a key already used or in flight;
 * - `commit` records it durably (state file, atomic write) once the request was handled, before the
 *   200 goes out; `release` forgets an in-flight key whose handling failed, so DingTalk's retry of
 *   that request is still accepted;
 * - entries older than the window are pruned (they fail the timestamp check anyway); at most
 *   `maxEntries` are kept, the oldest dropped first (logged).
 */
import { createHash } from "node:crypto";
import { isRecord, readJsonFile, writeJsonFile } from "../state-file.js";
import { MAX_CLOCK_SKEW_MS } from "./webhook-crypto.js";

export interface ReplayKey {
  /** e.g. `robot:<timestamp>:<sign>` or `event:<timestamp>:<nonce>`; stored only as a hash. */
  key: string;
  /** The request's own timestamp (ms epoch): entries expire by it. */
  at: number;
}

interface ReplayFile {
  v: 1;
  /** [sha256(key) hex prefix, timestamp ms] */
  used: [string, number][];
}

const isReplayFile = (v: unknown): v is ReplayFile =>
  isRecord(v) &&
  v.v === 1 &&
  Array.isArray(v.used) &&
  v.used.every((e) => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number");

export class ReplayGuard {
  private used?: Map<string, number>;
  private readonly inFlight = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly log: (line: string) => void,
    private readonly maxEntries = 10_000,
    private readonly windowMs = MAX_CLOCK_SKEW_MS,
  ) {}

  /** True when the key is fresh (now reserved); false for a reuse. */
  begin(k: ReplayKey): Promise<boolean> {
    return this.serial(async () => {
      const used = await this.load();
      const h = hash(k.key);
      if (used.has(h) || this.inFlight.has(h)) return false;
      this.inFlight.add(h);
      return true;
    });
  }

  /** Record the key durably (call after the request was handled, before answering 200). */
  commit(k: ReplayKey, now = Date.now()): Promise<void> {
    return this.serial(async () => {
      const used = await this.load();
      const h = hash(k.key);
      this.inFlight.delete(h);
      used.set(h, k.at);
      this.prune(used, now);
      await writeJsonFile(this.file, { v: 1, used: [...used] } satisfies ReplayFile);
    });
  }

  /** Forget a reserved key whose request failed (DingTalk may retry it). */
  release(k: ReplayKey): void {
    this.inFlight.delete(hash(k.key));
  }

  private prune(used: Map<string, number>, now: number): void {
    for (const [h, at] of used) if (at < now - this.windowMs) used.delete(h);
    if (used.size <= this.maxEntries) return;
    const oldest = [...used].sort((a, b) => a[1] - b[1]).slice(0, used.size - this.maxEntries);
    for (const [h] of oldest) used.delete(h);
    this.log(
      `dingtalk webhook: more than ${this.maxEntries} signed requests within the replay window; forgot the ${oldest.length} oldest`,
    );
  }

  private async load(): Promise<Map<string, number>> {
    this.used ??= new Map((await readJsonFile(this.file, { v: 1, used: [] }, isReplayFile)).used);
    return this.used;
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function hash(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}

/**
 * Run `handle` under the guard: a reused key is refused with 409 and a log line; the key is
 * committed only when `handle` succeeded.
 */
export async function guardReplay<T extends { status: number; body: Record<string, unknown> }>(
  guard: ReplayGuard,
  key: ReplayKey | undefined,
  log: (line: string) => void,
  handle: () => Promise<T>,
): Promise<T | { status: number; body: Record<string, unknown>; error: string }> {
  if (!key) return handle();
  if (!(await guard.begin(key))) {
    const error = `refused a replayed request: its signature (timestamp ${key.at}) was already used`;
    log(`dingtalk webhook: ${error}`);
    return { status: 409, body: { error }, error };
  }
  try {
    const result = await handle();
    if (result.status < 300) await guard.commit(key);
    else guard.release(key);
    return result;
  } catch (err) {
    guard.release(key);
    throw err;
  }
}
