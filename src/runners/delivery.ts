/**
 * Per-actor delivery of chat messages and notices into a PTY: one delivery in
 * flight, a startup gate for a fresh terminal, the preamble before the first message of a session
 * (or merged with it), bracketed paste when the app enabled it, then the submit key once the terminal
 * echoed the text. Waits are on what the terminal shows (readiness.ts), each with a fixed upper bound.
 */

import { setTimeout as delay } from "node:timers/promises";
import type { LedgerEvent } from "../kernel/types.js";
import type { KnownDialog } from "./dialogs.js";
import { type ReadinessTarget, waitEcho, waitReady } from "./readiness.js";
import type { SubmitKey } from "./runtimes.js";

/** What the queue needs from a terminal; `PtyRunner` satisfies it. */
export interface DeliveryTarget extends ReadinessTarget {
  write(data: string): void;
}

export interface DeliveryTimings {
  /** Apps without bracketed paste: after the first output of a fresh terminal, wait this long before typing. */
  readyGraceMs: number;
  /** Type anyway once the terminal is this old, even if it never looked ready (reported as `not_ready`). */
  readyMaxMs: number;
  /** Quiet period that counts as "the screen settled": before the first typing, and after the echo. */
  settleMs: number;
  /** Pause between a separately typed preamble and the first message (`mergePreamble: false`). */
  preambleDelayMs: number;
  /** Longest wait for the typed text's echo before the submit key (the whole wait if the target cannot tell). */
  submitDelayMs: number;
  /** A submit with no output at all this long afterwards is reported as `unacknowledged`. */
  ackMs: number;
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
  settleMs: 50,
  preambleDelayMs: 2_000,
  submitDelayMs: 1_500,
  ackMs: 10_000,
  minIntervalMs: 0,
  pollMs: 25,
  retryMs: 5_000,
};

/** Why delivery to this terminal looks stuck, for the actor's status; undefined when it does not. */
export type DeliveryHealth =
  | { code: "dialog"; dialog: KnownDialog; since: number }
  | { code: "not_ready"; since: number }
  | { code: "unacknowledged"; since: number };

export interface DeliveryQueueOptions {
  /** Text for one or more events (see `renderBatch`). */
  render: (events: readonly LedgerEvent[]) => string;
  /** Typed before the first message of each terminal session; omit for none. `merged`: it leads the first batch. */
  preamble?: (merged: boolean) => string;
  /** Type the preamble and the first batch as one paste (one submit, one agent turn) instead of two. */
  mergePreamble?: boolean;
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
  private dialog: { dialog: KnownDialog; since: number } | undefined;
  private notReadySince: number | undefined;
  private unechoedSince: number | undefined;
  private submittedAt: number | undefined;

  constructor(private readonly opts: DeliveryQueueOptions) {
    this.timings = { ...DEFAULT_DELIVERY_TIMINGS, ...opts.timings };
  }

  get size(): number {
    return this.queue.length;
  }
  get paused(): boolean {
    return this._paused;
  }

  /**
   * Whether delivery looks stuck: a known dialog holds it, a fresh terminal never looked ready, or the
   * last typed text got no echo / the last submit no output within `ackMs`. Computed, no timers.
   */
  health(): DeliveryHealth | undefined {
    if (this.dialog) return { code: "dialog", ...this.dialog };
    if (this.notReadySince !== undefined) return { code: "not_ready", since: this.notReadySince };
    if (this.unechoedSince !== undefined) return { code: "unacknowledged", since: this.unechoedSince };
    const submitted = this.submittedAt;
    const last = this.target?.lastOutputAt;
    if (submitted !== undefined && Date.now() - submitted >= this.timings.ackMs) {
      if (last === undefined || last < submitted) return { code: "unacknowledged", since: submitted };
    }
    return undefined;
  }

  /** Something has been typed into the current terminal session. */
  get injectedThisSession(): boolean {
    return this.injected;
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
    this.dialog = undefined;
    this.notReadySince = undefined;
    this.unechoedSince = undefined;
    this.submittedAt = undefined;
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
        if (!this.preambleSent && this.opts.preamble && this.opts.mergePreamble) {
          await this.deliverBatch(target, signal, this.opts.preamble(true));
          continue;
        }
        if (!this.preambleSent && this.opts.preamble) {
          await this.inject(target, this.opts.preamble(false), signal);
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

  private async deliverBatch(target: DeliveryTarget, signal: AbortSignal, preamble?: string): Promise<void> {
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
      await this.inject(target, preamble === undefined ? text : `${preamble}\n\n${text}`, signal);
    } catch (err) {
      // Interrupted by attach() (new session): the batch goes back to the front. By reset()/stop(): dropped.
      if (epoch === this.queueEpoch) this.queue.unshift(...batch);
      if (signal.aborted) throw err;
      this.opts.onError?.(err, ids);
      await delay(this.timings.retryMs, undefined, { signal });
      return;
    }
    this.lastDeliveryAt = Date.now();
    if (preamble !== undefined) {
      this.preambleSent = true;
      this.opts.onPreamble?.();
    }
    for (const id of ids) {
      this.queued.delete(id);
      this.remember(id);
    }
    this.opts.onDelivered(ids);
  }

  private async inject(target: DeliveryTarget, text: string, signal: AbortSignal): Promise<void> {
    const writtenAt = Date.now();
    target.write(target.bracketedPaste ? `${PASTE_START}${text}${PASTE_END}` : text);
    this.injected = true;
    const echoed = await waitEcho(target, writtenAt, this.timings, signal);
    this.unechoedSince = echoed ? undefined : (this.unechoedSince ?? writtenAt);
    if (echoed) this.notReadySince = undefined;
    const key = SUBMIT_BYTES[this.opts.submit ?? "enter"];
    if (key) target.write(key);
    this.submittedAt = Date.now();
  }

  /** See `waitReady` in readiness.ts; records a dialog or a terminal that never looked ready for `health()`. */
  private async waitReady(target: DeliveryTarget, signal: AbortSignal): Promise<void> {
    const result = await waitReady(
      target,
      this.timings,
      {
        fresh: !this.injected,
        waitForBracketedPaste: this.opts.waitForBracketedPaste ?? false,
        onDialog: (dialog) => {
          if (!dialog) this.dialog = undefined;
          else if (this.dialog?.dialog.code !== dialog.code) this.dialog = { dialog, since: Date.now() };
        },
      },
      signal,
    );
    if (result === "timed_out") this.notReadySince ??= Date.now();
    else if (result === "ready") this.notReadySince = undefined;
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
