/**
 * What the Stream client does with one WebSocket message (stream.ts): decode the envelope, answer
 * SYSTEM frames, hand robot callbacks to the inbox, ack and log everything else. Every frame is
 * acked, except a robot message that could not be journaled (DingTalk redelivers it).
 */
import WebSocket from "ws";
import { ROBOT_TOPIC } from "./api.js";
import { decodeStreamFrame } from "./frame.js";
import type { Ack, RobotInbox } from "./robot-inbox.js";
import { ackFrame, sendInTick } from "./stream-ack.js";
import { messageIdOf, reasonOf } from "./stream-options.js";

/** One connection's side of frame handling. */
export interface FrameContext {
  /** Connection number, for log lines. */
  id: number;
  /** Sends an ack frame on this connection (one function per connection). */
  ack: Ack;
  robot: RobotInbox;
  log(line: string): void;
  /** SYSTEM `disconnect`: make-before-break reconnect, `why` is the server's reason if any. */
  disconnect(why: string): void;
}

const QUIET_SYSTEM_TOPICS = new Set(["CONNECTED", "REGISTERED", "KEEPALIVE"]);
const CALLBACK_IGNORED = JSON.stringify({ response: null });
const EVENT_IGNORED = JSON.stringify({ status: "SUCCESS", message: "ignored" });

/** The sender of `ctx.ack`: an ack frame, written with the other acks of this tick. */
export function ackSender(ws: WebSocket, id: number, log: (line: string) => void): Ack {
  return (messageId, data) => {
    if (ws.readyState !== WebSocket.OPEN) {
      log(`stream #${id}: socket not open, ack for ${messageId} dropped`);
      return;
    }
    sendInTick(ws, ackFrame(messageId, data));
  };
}

/** A WebSocket message as one Buffer: a Buffer (ws's default binaryType) as is, not copied. */
export function frameBytes(raw: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  return Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
}

/** One message; `bytes` are handed on to the journal as they are (robot callbacks). */
export function handleFrame(bytes: Buffer, ctx: FrameContext): void {
  const text = bytes.toString("utf8");
  const decoded = decodeStreamFrame(text);
  if (!decoded.ok) {
    // Malformed or unknown frames are logged and, when they carry a messageId, acked.
    const messageId = messageIdOf(text);
    ctx.log(
      `stream #${ctx.id}: frame dropped: ${decoded.reason}${messageId ? " (acked)" : " (no messageId, not acked)"}`,
    );
    if (messageId) ctx.ack(messageId, "{}");
    return;
  }
  const { type, headers, data } = decoded.frame;
  const { messageId, topic } = headers;
  switch (type) {
    case "SYSTEM":
      // ping: echo the data (it carries `opaque`) unchanged, before anything else.
      ctx.ack(messageId, topic === "ping" ? data : "{}");
      if (topic === "disconnect") ctx.disconnect(reasonOf(data));
      else if (topic !== "ping" && !QUIET_SYSTEM_TOPICS.has(topic))
        ctx.log(`stream: frame dropped: unknown SYSTEM topic ${topic} (acked)`);
      return;
    case "CALLBACK":
      if (topic === ROBOT_TOPIC) {
        ctx.robot.receive(data, { messageId, topic }, ctx.ack, bytes);
        return;
      }
      ctx.ack(messageId, CALLBACK_IGNORED);
      ctx.log(`stream: frame dropped: unknown CALLBACK topic ${topic} (acked)`);
      return;
    case "EVENT":
      ctx.ack(messageId, EVENT_IGNORED);
      ctx.log(`stream: frame dropped: EVENT ${headers.eventType ?? topic} is not subscribed (acked)`);
      return;
  }
}
