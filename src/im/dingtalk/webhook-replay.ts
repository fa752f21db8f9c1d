/**
 * Replay protection for HTTP mode (docs/dingtalk-transport.md, "HTTP mode replays").
 * A robot message's `timestamp`+`sign` does not cover the body, and an encrypted event's signature
 * is valid as long as its timestamp is: a captured request could be replayed, with a forged body,
 * for the whole ±1 h window. So each verified (timestamp, sign) or (timestamp, nonce) is used once:
 * - `begin` refuses a key already used or in flight (a claim in the transport kit's dedupe store);
 * - `commit` records it durably (one appended line) once the request was handled, before the 200
 *   goes out; `release` forgets an in-flight key whose handling failed, so DingTalk's retry of that
 *   request is still accepted;
 * - keys older than the window are forgotten (they fail the timestamp check anyway); at most
 *   `maxEntries` are kept, the oldest dropped first (logged).
 */
import { createHash } from "node:crypto";
import { corruptStateError } from "../state-file.js";
import { FileDedupe } from "../transport/dedupe-store.js";
import { MAX_CLOCK_SKEW_MS } from "./webhook-crypto.js";

export interface ReplayKey {
  /** e.g. `robot:<timestamp>:<sign>` or `event:<timestamp>:<nonce>`; stored only as a hash. */
  key: string;
  /** The request's own timestamp (ms epoch): entries expire by it. */
  at: number;
}

export class ReplayGuard {
  private store?: FileDedupe;

  constructor(
    private readonly file: string,
    private readonly log: (line: string) => void,
    private readonly maxEntries = 10_000,
    private readonly windowMs = MAX_CLOCK_SKEW_MS,
  ) {}

  /** True when the key is fresh (now reserved); false for a reuse. Rejects on a corrupt file. */
  async begin(k: ReplayKey): Promise<boolean> {
    return this.open().claim(hash(k.key));
  }

  /** Record the key durably (call after the request was handled, before answering 200). */
  async commit(k: ReplayKey): Promise<void> {
    const store = this.open();
    store.add(hash(k.key), k.at);
    store.flush(); // written before the answer, not with the tick's batch
  }

  /** Forget a reserved key whose request failed (DingTalk may retry it). */
  release(k: ReplayKey): void {
    this.store?.release(hash(k.key));
  }

  close(): void {
    this.store?.close();
  }

  /** Opened on first use, so a corrupt file fails the request that needs it, with its name. */
  private open(): FileDedupe {
    this.store ??= new FileDedupe(this.file, {
      limit: this.maxEntries,
      maxAgeMs: this.windowMs,
      corrupt: corruptStateError,
      onEvict: (n) =>
        this.log(
          `dingtalk webhook: more than ${this.maxEntries} signed requests within the replay window; forgot the ${n} oldest`,
        ),
    });
    return this.store;
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
