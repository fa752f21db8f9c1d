/**
 * Per-actor delivery of chat messages and notices into a PTY (kernel spec §5.4): one delivery in
 * flight, a startup gate for a fresh terminal, the preamble before the first message of a session,
 * bracketed paste when the app enabled it, then the submit key after a short delay.
 */

import { setTimeout as delay } from "node:timers/promises";
import type { LedgerEvent } from "../kernel/types.js";
import type { SubmitKey } from "./runtimes.js";

/** What the queue needs from a terminal; `PtyRunner` satisfies it. */
export interface DeliveryTarget {
  readonly running: boolean;
  readonly startedAt: number | undefined;
  readonly firstOutputAt: number | undefined;
  readonly bracketedPaste: boolean;
  write(data: string): void;
}

export interface DeliveryTimings {
  /** After the first output of a fresh terminal, wait this long before typing. */
  readyGraceMs: number;
  /** Type anyway once the terminal is this old, even if it printed nothing. */
  readyMaxMs: number;
  /** Pause between the preamble and the first message. */
  preambleDelayMs: number;
  /** Pause between typing the text and the submit key. */
  submitDelayMs: number;
  /** Minimum time between two deliveries (group `delivery.min_interval_seconds`). */
  minIntervalMs: number;
  /** How often the startup gate is re-checked. */
  pollMs: number;
  /** Wait before retrying after a failed write. */
  retryMs: number;
}

export const DEFAULT_DELIVERY_TIMINGS: Readonly<DeliveryTimings> = {
  readyGraceMs: 1_000,
  readyMaxMs: 10_000,
  preambleDelayMs: 2_000,
  submitDelayMs: 1_500,
  minIntervalMs: 0,
  pollMs: 100,
  retryMs: 5_000,
};

export interface DeliveryQueueOptions {
  /** Text for one or more events (see `renderBatch`). */
  render: (events: readonly LedgerEvent[]) => string;
  /** Typed before the first message of each terminal session; omit for none. */
  preamble?: () => string;
  submit?: SubmitKey;
  /** Before the first injection, also wait (up to `readyMaxMs`) for the app to enable bracketed paste. */
  waitForBracketedPaste?: boolean;
  /** Most events typed as one batch. */
  maxBatch?: number;
  timings?: Partial<DeliveryTimings>;
  /** Called after the submit key for each batch, in order; the daemon records the delivery. */
  onDelivered: (eventIds: string[]) => void;
  onPreamble?: () => void;
  /** A batch failed (it is requeued) or could not be rendered (it is dropped). */
  onError?: (err: unknown, eventIds: string[]) => void;
}

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";
const SUBMIT_BYTES: Record<SubmitKey, string> = { enter: "\r", newline: "\n", none: "" };
const DELIVERED_MEMORY = 5_000;

export class DeliveryQueue {
  private readonly timings: DeliveryTimings;
  private readonly queue: LedgerEvent[] = [];
  private readonly queued = new Set<string>();
  private readonly delivered = new Set<string>();
  private target: DeliveryTarget | undefined;
  private session = new AbortController();
  private pumping: Promise<void> | undefined;
  /** Bumped when the queue is dropped (reset/stop), so an aborted batch is not put back. */
  private queueEpoch = 0;
  private preambleSent = false;
  private injected = false;
  private lastDeliveryAt = 0;
  private _paused = false;
  private stopped = false;

  constructor(private readonly opts: DeliveryQueueOptions) {
    this.timings = { ...DEFAULT_DELIVERY_TIMINGS, ...opts.timings };
  }

  get size(): number {
    return this.queue.length;
  }
  get paused(): boolean {
    return this._paused;
  }

  /** Events waiting, oldest first. */
  pending(): string[] {
    return this.queue.map((e) => e.id);
  }

  /** A new terminal session: the preamble is due again. Queued events are kept and delivered to it. */
  attach(target: DeliveryTarget): void {
    this.newSession();
    this.target = target;
    this.kick();
  }

  /** Restart: drop everything queued, forget the terminal; the daemon re-enqueues what is undelivered. */
  reset(target?: DeliveryTarget): void {
    this.newSession();
    this.dropQueue();
    this.target = target;
    this.kick();
  }

  /** Adds events not already queued or delivered; returns how many were added. */
  enqueue(...events: LedgerEvent[]): number {
    if (this.stopped) return 0;
    let added = 0;
    for (const event of events) {
      if (this.queued.has(event.id) || this.delivered.has(event.id)) continue;
      this.queue.push(event);
      this.queued.add(event.id);
      added++;
    }
    if (added > 0) this.kick();
    return added;
  }

  /** While paused nothing is typed; queued events wait. A batch already being typed completes. */
  setPaused(paused: boolean): void {
    this._paused = paused;
    if (!paused) this.kick();
  }

  /** Resolves when no delivery is in flight. */
  async whenIdle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Permanent: aborts waits, clears the queue, ignores later enqueues. */
  stop(): void {
    this.stopped = true;
    this.newSession();
    this.dropQueue();
    this.target = undefined;
  }

  private dropQueue(): void {
    this.queueEpoch++;
    this.queue.length = 0;
    this.queued.clear();
  }

  private newSession(): void {
    this.session.abort();
    this.session = new AbortController();
    this.preambleSent = false;
    this.injected = false;
  }

  private canPump(): boolean {
    return !this.stopped && !this._paused && this.queue.length > 0 && this.target?.running === true;
  }

  private kick(): void {
    if (this.pumping || !this.canPump()) return;
    this.pumping = this.pump(this.session.signal).finally(() => {
      this.pumping = undefined;
      this.kick();
    });
  }

  private async pump(signal: AbortSignal): Promise<void> {
    try {
      while (!signal.aborted && this.canPump()) {
        const target = this.target as DeliveryTarget;
        await this.waitReady(target, signal);
        await this.waitInterval(signal);
        if (!this.canPump()) break;
        if (!this.preambleSent && this.opts.preamble) {
          await this.inject(target, this.opts.preamble(), signal);
          this.preambleSent = true;
          this.opts.onPreamble?.();
          await delay(this.timings.preambleDelayMs, undefined, { signal });
          if (!this.canPump()) break;
        }
        this.preambleSent = true;
        await this.deliverBatch(target, signal);
      }
    } catch (err) {
      if (!signal.aborted) this.opts.onError?.(err, []);
    }
  }

  private async deliverBatch(target: DeliveryTarget, signal: AbortSignal): Promise<void> {
    const batch = this.queue.splice(0, Math.max(1, this.opts.maxBatch ?? 20));
    const ids = batch.map((e) => e.id);
    const epoch = this.queueEpoch;
    let text: string;
    try {
      text = this.opts.render(batch);
    } catch (err) {
      for (const id of ids) this.queued.delete(id);
      this.opts.onError?.(err, ids);
      return;
    }
    try {
      await this.inject(target, text, signal);
    } catch (err) {
      // Interrupted by attach() (new session): the batch goes back to the front. By reset()/stop(): dropped.
      if (epoch === this.queueEpoch) this.queue.unshift(...batch);
      if (signal.aborted) throw err;
      this.opts.onError?.(err, ids);
      await delay(this.timings.retryMs, undefined, { signal });
      return;
    }
    this.lastDeliveryAt = Date.now();
    for (const id of ids) {
      this.queued.delete(id);
      this.remember(id);
    }
    this.opts.onDelivered(ids);
  }

  private async inject(target: DeliveryTarget, text: string, signal: AbortSignal): Promise<void> {
    target.write(target.bracketedPaste ? `${PASTE_START}${text}${PASTE_END}` : text);
    this.injected = true;
    await delay(this.timings.submitDelayMs, undefined, { signal });
    const key = SUBMIT_BYTES[this.opts.submit ?? "enter"];
    if (key) target.write(key);
  }

  /** Startup gate: first output + grace (and bracketed paste before the first injection), or readyMaxMs. */
  private async waitReady(target: DeliveryTarget, signal: AbortSignal): Promise<void> {
    const { readyGraceMs, readyMaxMs, pollMs } = this.timings;
    for (;;) {
      const now = Date.now();
      const age = now - (target.startedAt ?? now);
      const first = target.firstOutputAt;
      const pasteOk = !this.opts.waitForBracketedPaste || this.injected || target.bracketedPaste;
      if (age >= readyMaxMs || (first !== undefined && now - first >= readyGraceMs && pasteOk)) return;
      if (!target.running) return;
      await delay(pollMs, undefined, { signal });
    }
  }

  private async waitInterval(signal: AbortSignal): Promise<void> {
    const wait = this.lastDeliveryAt + this.timings.minIntervalMs - Date.now();
    if (wait > 0) await delay(wait, undefined, { signal });
  }

  private remember(id: string): void {
    this.delivered.add(id);
    if (this.delivered.size > DELIVERED_MEMORY) {
      const oldest = this.delivered.values().next().value;
      if (oldest !== undefined) this.delivered.delete(oldest);
    }
  }
}
