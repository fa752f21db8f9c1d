/**
 * Stream frame envelope decoder. A frame that is not JSON, lacks `type`, has an
 * unknown `type` or lacks `headers.messageId` is an error the caller logs and skips; it must never
 * crash the socket handler. Unknown header keys are preserved.
 */
import { cutToUnits } from "../../kernel/graphemes.js";

export type StreamFrameType = "SYSTEM" | "EVENT" | "CALLBACK";

export interface StreamFrameHeaders {
  /** Routing key: `ping`, `disconnect`, `/v1.0/im/bot/messages/get`, … */
  topic: string;
  /** Push id, echoed in the ack. */
  messageId: string;
  contentType: string;
  /** ms epoch as a string, as sent. */
  time?: string;
  appId?: string;
  connectionId?: string;
  [key: string]: string | undefined;
}

export interface StreamFrame {
  specVersion: string;
  type: StreamFrameType;
  headers: StreamFrameHeaders;
  /** `data` exactly as received (a JSON string; `"{}"` when absent). A ping ack echoes it unchanged. */
  data: string;
  /** `headers.time` as a number when it parses. */
  timeMs?: number;
}

export type FrameResult = { ok: true; frame: StreamFrame } | { ok: false; reason: string };

const TYPES: readonly string[] = ["SYSTEM", "EVENT", "CALLBACK"];

function preview(raw: string): string {
  return raw.length > 80 ? `${cutToUnits(raw, 80)}…` : raw;
}

/** Decode one WebSocket text message from the Stream gateway. */
export function decodeStreamFrame(raw: string): FrameResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, reason: `stream frame is not JSON: ${preview(raw)}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: `stream frame is not a JSON object: ${preview(raw)}` };
  }
  const obj = parsed as Record<string, unknown>;
  const type = obj.type;
  if (type === undefined || type === null) return { ok: false, reason: "stream frame has no type" };
  if (typeof type !== "string" || !TYPES.includes(type)) {
    return { ok: false, reason: `stream frame has unknown type ${JSON.stringify(type)}` };
  }
  const rawHeaders = obj.headers;
  if (typeof rawHeaders !== "object" || rawHeaders === null || Array.isArray(rawHeaders)) {
    return { ok: false, reason: `stream ${type} frame has no headers object` };
  }
  // The parsed object is ours: normalized in place, not copied. Values are strings on the wire, but
  // `time` is documented as a Number; other values are dropped. (`for in` over a JSON.parse result
  // sees only its own keys.)
  const headers = rawHeaders as Record<string, unknown>;
  for (const key in headers) {
    const value = headers[key];
    if (typeof value === "string") continue;
    if (typeof value === "number" || typeof value === "boolean") headers[key] = String(value);
    else delete headers[key];
  }
  const messageId = headers.messageId as string | undefined;
  if (!messageId) return { ok: false, reason: `stream ${type} frame has no headers.messageId` };
  const topic = headers.topic ?? "";
  if (type !== "EVENT" && !topic) return { ok: false, reason: `stream ${type} frame has no headers.topic` };
  headers.topic = topic;
  headers.contentType ??= "application/json";

  let data: string;
  if (obj.data === undefined || obj.data === null) data = "{}";
  else if (typeof obj.data === "string") data = obj.data;
  else if (typeof obj.data === "object") data = JSON.stringify(obj.data);
  else return { ok: false, reason: `stream ${type} frame has non-string data` };

  const frame: StreamFrame = {
    specVersion: typeof obj.specVersion === "string" ? obj.specVersion : "1.0",
    type: type as StreamFrameType,
    headers: headers as StreamFrameHeaders,
    data,
  };
  const time = Number(headers.time);
  if (headers.time !== undefined && Number.isFinite(time)) frame.timeMs = time;
  return { ok: true, frame };
}

/** Parse a frame's `data` (a second JSON decode). Returns undefined when it is not JSON. */
export function parseFrameData(frame: Pick<StreamFrame, "data">): unknown {
  try {
    return JSON.parse(frame.data);
  } catch {
    return undefined;
  }
}
