/**
 * HTTP ("outgoing robot") receiving mode. `handleWebhookRequest` is what a Fastify
 * route calls with the raw request parts; it never throws and never does I/O:
 * - a robot message: verify `timestamp`/`sign` headers, decode the robot message body, answer
 *   `{"msgtype":"empty"}` at once (the reply goes out later via sessionWebhook/OpenAPI);
 * - an event-subscription callback `{"encrypt":…}`: verify `msg_signature`, decrypt, check
 *   the owner key, answer the encrypted `success`.
 * Transports only ingest and ack: authorization and routing stay in the bridge core.
 */
import type { InboundMessage } from "../types.js";
import { type DecodeOptions, decodeRobotMessage } from "./decode.js";
import {
  decryptEvent,
  eventSuccessResponse,
  MAX_CLOCK_SKEW_MS,
  verifyEventSignature,
  verifyRobotSignature,
} from "./webhook-crypto.js";
import type { ReplayKey } from "./webhook-replay.js";

export * from "./webhook-crypto.js";

export interface WebhookConfig {
  /** AppSecret: the HMAC key of robot message signatures. */
  appSecret: string;
  /** Event subscription token and 43-char AES key (console → event subscription). */
  token?: string;
  aesKey?: string;
  /** Plaintext trailer of encrypted events: the AppKey for enterprise-internal apps. */
  ownerKey?: string;
  decode?: DecodeOptions;
}

type HeaderValue = string | string[] | undefined;

export interface WebhookRequest {
  headers: Record<string, HeaderValue>;
  /** Raw body (string/Buffer) or the JSON Fastify already parsed. */
  body: unknown;
  /** Query string values; event callbacks carry `msg_signature`, `timestamp`, `nonce` there. */
  query?: Record<string, HeaderValue>;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
  /** A decoded robot message for the bridge core. */
  message?: InboundMessage;
  /** A decrypted event (e.g. `{"EventType":"check_url"}`). */
  event?: Record<string, unknown>;
  /** Why the request was refused or carried nothing usable; for the log, not for the caller. */
  error?: string;
  /** A verified request's one-time key: the caller refuses its reuse (webhook-replay.ts). */
  replayKey?: ReplayKey;
}

function first(v: HeaderValue): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Case-insensitive lookup (Node lower-cases header names; tests and fakes may not). */
function pick(map: Record<string, HeaderValue> | undefined, name: string): string | undefined {
  if (!map) return undefined;
  const direct = first(map[name]);
  if (direct !== undefined) return direct;
  const key = Object.keys(map).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : first(map[key]);
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (Buffer.isBuffer(value)) value = value.toString("utf8");
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const refuse = (status: number, error: string): WebhookResponse => ({ status, body: { error }, error });

function handleEvent(
  req: WebhookRequest,
  encrypt: string,
  config: WebhookConfig,
  now: number,
): WebhookResponse {
  const { token, aesKey, ownerKey } = config;
  if (!token || !aesKey || !ownerKey) {
    return refuse(
      503,
      "encrypted event callbacks are not configured (set http_token_env and http_aes_key_env)",
    );
  }
  const signature = pick(req.query, "msg_signature") ?? pick(req.query, "signature");
  const timestamp = pick(req.query, "timestamp") ?? pick(req.query, "timeStamp");
  const nonce = pick(req.query, "nonce");
  if (!timestamp || !nonce) return refuse(400, "missing timestamp or nonce query parameter");
  const verdict = verifyEventSignature({ signature, timestamp, nonce, encrypt }, token);
  if (!verdict.ok) return refuse(401, verdict.reason);
  // Freshness: the signature stays valid forever, so bound it like robot messages (±1 h) and let the
  // caller refuse a reused nonce within that window.
  const at = eventTimestampMs(timestamp);
  if (at === undefined) return refuse(400, "timestamp query parameter is not an epoch");
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) {
    return refuse(401, "timestamp is more than 1 hour away from the local clock");
  }
  const plain = decryptEvent(encrypt, aesKey, ownerKey);
  if (!plain.ok) return refuse(400, plain.reason);
  let event: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(plain.plaintext);
    event =
      typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : { raw: parsed };
  } catch {
    event = { raw: plain.plaintext };
  }
  const body = eventSuccessResponse({ token, aesKey, ownerKey }, String(now), nonce);
  return { status: 200, body, event, replayKey: { key: `event:${timestamp}:${nonce}`, at } };
}

/** Event timestamps come in ms (Java helper) or s (Python helper). */
function eventTimestampMs(raw: string): number | undefined {
  if (!/^\d{9,16}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n < 1e11 ? n * 1000 : n;
}

/** Handle one POST to the HTTP-mode receiving URL. `now` is injectable for tests. */
export function handleWebhookRequest(
  req: WebhookRequest,
  config: WebhookConfig,
  now: number = Date.now(),
): WebhookResponse {
  const body = parseBody(req.body);
  if (!body) return refuse(400, "body is not a JSON object");
  if (typeof body.encrypt === "string") return handleEvent(req, body.encrypt, config, now);

  const verdict = verifyRobotSignature(
    { timestamp: pick(req.headers, "timestamp"), sign: pick(req.headers, "sign") },
    config.appSecret,
    now,
  );
  if (!verdict.ok) return refuse(401, verdict.reason);
  // The sign covers only the timestamp, never the body: one use per signed timestamp. (The sign is a
  // function of the timestamp, so the timestamp alone is the key; a re-encoded sign cannot dodge it.)
  const timestamp = pick(req.headers, "timestamp") ?? "";
  const replayKey = { key: `robot:${timestamp}`, at: Number(timestamp) };
  const decoded = decodeRobotMessage(body, { now, ...config.decode });
  // A signed but unusable message is still acknowledged: a redelivery would not help.
  if (!decoded.ok) return { status: 200, body: { msgtype: "empty" }, error: decoded.reason, replayKey };
  return { status: 200, body: { msgtype: "empty" }, message: decoded.message, replayKey };
}
