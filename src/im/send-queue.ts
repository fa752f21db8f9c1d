import { errorCode, errorMessage } from "./bridge-errors.js";
import { type FailureClass, failureOf } from "./platform.js";
import { type RetryInfo, retryOf } from "./transport/errors.js";
import { type RetryPolicy, retryDelay } from "./transport/retry.js";
import { sleep } from "./transport/sleep.js";

export type { RetryPolicy } from "./transport/retry.js";

const NETWORK_CODES = new Set([
  "network_error",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * How a failed send is handled, one classification for every platform: a class the adapter marked
 * the error with (src/im/platform.ts; platforms mark `gone`, a chat that no longer takes messages),
 * else the transport kit's `retry` (transport/errors.ts: `no` gives up, `after`/`backoff` retry),
 * else platform-neutral codes: `chat_gone` marks the chat, `throttled` and network failures are
 * retried with backoff, anything else is given up.
 */
export function classifyFailure(error: unknown): FailureClass {
  const marked = failureOf(error);
  if (marked) return marked;
  const code = errorCode(error) ?? "";
  if (code === "chat_gone") return "gone";
  const info = retryOf(error);
  if (info) return info.retry === "no" ? "fatal" : "retry";
  if (code === "throttled" || NETWORK_CODES.has(code)) return "retry";
  const name = error instanceof Error ? error.name : "";
  if (name === "NetworkError" || name === "TimeoutError") return "retry";
  return "fatal";
}

/**
 * A job that is one plain message may merge with the jobs queued right behind it: when a queue
 * forms (the chat's rate limit is reached), consecutive small messages of the same kind go out as
 * one message, in order, within the platform's size limit.
 */
export interface Mergeable {
  /** Only neighbours with the same key merge (e.g. `text`, `markdown`; never files or cards). */
  key: string;
  /** The body this job would send. */
  text: string;
  /** Whether `text` (bodies joined) still goes out as one platform message. */
  fits(text: string): boolean;
  /** Send `text` (this job's own, or several jobs' bodies joined) as one message. */
  send(text: string, signal: AbortSignal): Promise<void>;
}

/** Between two merged bodies. */
const MERGE_SEPARATOR = "\n\n";

/**
 * A delivery: steps run in order; a retried failure repeats only the failed step. The queue owns
 * the retry policy of its steps (transport/retry.ts): a step makes one platform call per route.
 */
export interface SendJob {
  label: string;
  steps: Array<(signal: AbortSignal) => Promise<void>>;
  /** Goes before queued non-urgent jobs (final answers and replies before verbose traffic). */
  urgent?: boolean;
  /** Set when the job is exactly one plain message (its only step sends `merge.text`). */
  merge?: Mergeable;
  /**
   * Called once: every step succeeded, the job was given up (reason), the chat is gone, or the
   * queue was stopped first (`aborted`: not delivered, must be tried again after a restart).
   */
  done(outcome: {
    status: "delivered" | "failed" | "gone" | "aborted";
    reason?: string;
    error?: unknown;
  }): void | Promise<void>;
}

/**
 * One queue per chat: jobs run one at a time in push order, so messages keep their order, and a
 * slow or throttled chat never blocks another chat's queue.
 */
export class ChatSendQueue {
  private jobs: SendJob[] = [];
  private running = false;
  /** Jobs in the message being sent (more than one when merged). */
  private sending = 0;
  private gone = false;

  constructor(
    readonly chatId: string,
    private readonly policy: RetryPolicy,
    private readonly signal: AbortSignal,
    private readonly log: (line: string) => void,
  ) {
    signal.addEventListener("abort", () => this.abortAll(), { once: true });
  }

  private abortAll(): void {
    for (const job of this.jobs.splice(0)) job.done({ status: "aborted" });
  }

  /** Messages queued or being sent (merged ones each count). */
  get size(): number {
    return this.jobs.length + this.sending;
  }

  /** Mark the chat reachable again (it sent a message). */
  revive(): void {
    this.gone = false;
  }

  push(job: SendJob): void {
    if (this.signal.aborted) {
      job.done({ status: "aborted" });
      return;
    }
    if (this.gone) {
      job.done({ status: "gone", reason: "chat is gone" });
      return;
    }
    this.jobs.push(job);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.signal.aborted) {
        const job = this.takeNext();
        if (!job) break;
        const queued = this.jobs.length;
        const merged = this.mergeQueued(job);
        this.sending = 1 + queued - this.jobs.length;
        await this.run(merged);
        this.sending = 0;
      }
    } finally {
      this.running = false;
      this.sending = 0;
    }
  }

  /** The first urgent job if any is queued, else the oldest; each kind keeps its own order. */
  private takeNext(): SendJob | undefined {
    const urgent = this.jobs.findIndex((j) => j.urgent);
    return this.jobs.splice(Math.max(urgent, 0), 1)[0];
  }

  /**
   * The head job plus the mergeable jobs right behind it, as one job; `done` reports to each in
   * push order, so each one's delivery is recorded as before.
   */
  private mergeQueued(head: SendJob): SendJob {
    const first = head.merge;
    if (!first) return head;
    const parts: SendJob[] = [head];
    let text = first.text;
    for (;;) {
      // The job that would be taken next (the next urgent one after an urgent head).
      const index = head.urgent ? this.jobs.findIndex((j) => j.urgent) : 0;
      const next = index < 0 ? undefined : this.jobs[index]?.merge;
      if (!next || next.key !== first.key) break;
      const joined = `${text}${MERGE_SEPARATOR}${next.text}`;
      if (!first.fits(joined)) break;
      text = joined;
      parts.push(this.jobs.splice(index, 1)[0] as SendJob);
    }
    if (parts.length === 1) return head;
    const body = text;
    return {
      urgent: head.urgent,
      label: `${parts.length} merged messages (${parts.map((p) => p.label).join(", ")})`,
      steps: [(signal) => first.send(body, signal)],
      done: async (outcome) => {
        for (const p of parts) await p.done(outcome);
      },
    };
  }

  private async run(job: SendJob): Promise<void> {
    for (const step of job.steps) {
      for (let attempt = 0; ; attempt++) {
        if (this.signal.aborted) return job.done({ status: "aborted" }); // the cursor stays before it
        try {
          await step(this.signal);
          break;
        } catch (error) {
          if (this.signal.aborted) return job.done({ status: "aborted" });
          const kind = classifyFailure(error);
          const code = errorCode(error) ?? "error";
          if (kind === "gone") {
            this.log(`[outbound] chat ${this.chatId} is gone (${code}): skipping its queue`);
            this.gone = true;
            job.done({ status: "gone", reason: `${code}: ${errorMessage(error)}`, error });
            for (const rest of this.jobs.splice(0)) rest.done({ status: "gone", reason: "chat is gone" });
            return;
          }
          if (kind === "fatal" || attempt + 1 >= this.policy.attempts) {
            const why = kind === "fatal" ? "not retryable" : `gave up after ${attempt + 1} attempts`;
            this.log(
              `[outbound] ${job.label} to ${this.chatId} failed (${code}: ${errorMessage(error)}), ${why}`,
            );
            await job.done({ status: "failed", reason: `${code}: ${errorMessage(error)}`, error });
            return;
          }
          const info: RetryInfo = retryOf(error) ?? { retry: "backoff" };
          const delay = retryDelay(info, this.policy, attempt) ?? 0;
          this.log(`[outbound] ${job.label} to ${this.chatId}: ${code}, retry ${attempt + 1} in ${delay} ms`);
          try {
            await sleep(delay, this.signal);
          } catch {
            return job.done({ status: "aborted" });
          }
        }
      }
    }
    // The next message to this chat starts only once this one is recorded as delivered, so a crash
    // repeats at most the one message in flight.
    await job.done({ status: "delivered" });
  }
}
