/** Options, timing defaults, status and small frame helpers of the Stream client (stream.ts). */
import { z } from "zod";
import type { DedupeStore } from "../transport/dedupe-store.js";
import type { InboundJournalLike } from "../transport/inbound-journal.js";
import { PlatformApiError } from "./errors.js";

export interface StreamTiming {
  /** WS ping cadence; any inbound frame or pong proves liveness. */
  pingIntervalMs: number;
  /** No pong this long after a ping ⇒ zombie socket, terminate and reconnect. */
  pongTimeoutMs: number;
  backoffBaseMs: number;
  /** Cap of the reconnect backoff (equal jitter: the wait at the cap is ½–1 × this). */
  backoffMaxMs: number;
  /**
   * A connection that is up this long and then shows it is alive (a frame, a ping or a pong) resets
   * the backoff, so a fault after a healthy spell reconnects quickly (docs/dingtalk-transport.md).
   */
  healthyAfterMs: number;
  /** After SYSTEM disconnect the old socket is kept at most this long (15 s). */
  drainMs: number;
  handshakeTimeoutMs: number;
  /** Random delay before reconnecting on SYSTEM disconnect (0–1 s). */
  disconnectJitterMs: number;
  /** Timer firing this much later than planned means the machine slept: reconnect. */
  clockJumpMs: number;
}

export const DEFAULT_STREAM_TIMING: StreamTiming = {
  // A zombie socket is noticed within 13 s, so a single fault stays under the 15 s offline goal
  // (issue 15; the Node SDK's keepAlive pings every 8 s, Go and Java wait 5 s for the pong).
  pingIntervalMs: 8_000,
  pongTimeoutMs: 5_000,
  // Refused reconnects wait 0.25–0.5 s, 0.5–1 s, 1–2 s, 2–4 s, …: three refusals in a row (a short
  // gateway outage) cost at most 7.5 s instead of 15 s.
  backoffBaseMs: 500,
  // Repeated refusals wait at most 12 s (6–12 s with jitter), not a minute: while we wait,
  // DingTalk's pushes depend on its patience (issue 15, item 10).
  backoffMaxMs: 12_000,
  healthyAfterMs: 10_000,
  drainMs: 15_000,
  handshakeTimeoutMs: 10_000,
  disconnectJitterMs: 1_000,
  clockJumpMs: 30_000,
};

export interface StreamStatus {
  connected: boolean;
  connectedSince?: string;
  reconnects: number;
  lastReconnectReason?: string;
  lastError?: { code: string; message: string; at: string };
}

export interface CallbackMeta {
  messageId: string;
  topic: string;
  /** When the journal took it (ms since epoch); flood limits count by this, not by handling time. */
  receivedAt?: number;
}

export interface StreamEndpoint {
  endpoint: string;
  ticket: string;
  /** The addresses the URL guard approved for the endpoint (connect only to them); unset: resolve. */
  addresses?: readonly string[];
}

export interface StreamClientOptions {
  /** The gateway open call (DingTalkApi.openStreamConnection): a new ticket each time. */
  open: (signal: AbortSignal) => Promise<StreamEndpoint>;
  /** Robot message data (already JSON-parsed), called once per msgId. */
  onCallback: (data: Record<string, unknown>, meta: CallbackMeta) => Promise<void> | void;
  dedupe: DedupeStore;
  /** Durable record of robot callbacks, written before the ack and replayed on start. */
  journal?: InboundJournalLike;
  log: (line: string) => void;
  onStatus?: (status: StreamStatus) => void;
  /** The client gave up (credentials rejected while reconnecting); it has stopped itself. */
  onFatal?: (error: Error) => void;
  timing?: Partial<StreamTiming>;
  /** Robot messages handed to `onCallback` at once; the rest wait in the journal (default 128). */
  maxInFlight?: number;
}

const timingSchema = z
  .object(
    Object.fromEntries(
      Object.keys(DEFAULT_STREAM_TIMING).map((k) => [k, z.number().int().nonnegative().optional()]),
    ) as Record<keyof StreamTiming, z.ZodOptional<z.ZodNumber>>,
  )
  .strict();

/**
 * `CCCC_DINGTALK_STREAM_TIMING` (README, configuration): JSON overriding any StreamTiming field, e.g.
 * `{"pingIntervalMs":5000,"pongTimeoutMs":3000}`. Invalid JSON or keys are logged and ignored (the
 * defaults are safe); the bridge never fails to start over a tuning knob.
 */
export function streamTimingFromEnv(
  value: string | undefined,
  log: (line: string) => void = () => {},
): Partial<StreamTiming> | undefined {
  if (!value?.trim()) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    log(`CCCC_DINGTALK_STREAM_TIMING is not JSON; using the default Stream timings`);
    return undefined;
  }
  const parsed = timingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    log(
      `CCCC_DINGTALK_STREAM_TIMING ignored: ${issue?.path.join(".") || "value"}: ${issue?.message ?? "invalid"} (keys: ${Object.keys(DEFAULT_STREAM_TIMING).join(", ")}; non-negative integers, ms)`,
    );
    return undefined;
  }
  const out: Partial<StreamTiming> = {};
  for (const [k, v] of Object.entries(parsed.data))
    if (typeof v === "number") out[k as keyof StreamTiming] = v;
  return out;
}

/** Rejected credentials never heal by retrying. */
export function isFatal(err: unknown): err is PlatformApiError {
  return err instanceof PlatformApiError && err.code.startsWith("dingtalk_invalid_app");
}

/** Best effort for frames the decoder rejected: is there a messageId to ack? */
export function messageIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { headers?: { messageId?: unknown } })?.headers?.messageId;
    return typeof id === "string" && id ? id : undefined;
  } catch {
    return undefined;
  }
}

export function reasonOf(data: string): string {
  try {
    const parsed = JSON.parse(data) as { reason?: unknown };
    return typeof parsed.reason === "string" ? parsed.reason : "";
  } catch {
    return "";
  }
}
