/** Building one ledger line: the envelope, its validation and the size limit. */
import { randomFillSync } from "node:crypto";
import { ValidationError } from "./errors.js";
import type { LedgerEvent } from "./types.js";

/** Longest accepted ledger line in UTF-8 bytes (without the `\n`). */
export const MAX_LINE_BYTES = 256_000;

export interface LedgerAppend {
  kind: string;
  by: string;
  data: Record<string, unknown>;
}

const ID_BYTES = 16;
/** Random bytes for 256 ids, refilled when used up: one CSPRNG call per 256 ids instead of one each. */
const pool = Buffer.alloc(ID_BYTES * 256);
let poolAt = pool.length;

/** A new event id: 32 lowercase hex characters (128 random bits). */
export function newEventId(): string {
  if (poolAt + ID_BYTES > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += ID_BYTES;
  return pool.toString("hex", poolAt - ID_BYTES, poolAt);
}

/**
 * One event, its JSON line (no `\n`, envelope keys in order) and the line's UTF-8 length; throws
 * `ValidationError`. The event object holds the caller's `data` itself (not a copy).
 */
export function serializeEvent(
  groupId: string,
  item: LedgerAppend,
  seq: number,
  ts: string,
): { event: LedgerEvent; line: string; bytes: number } {
  const { kind, by, data } = item;
  if (typeof kind !== "string" || kind === "") {
    throw new ValidationError("invalid_event", "Event kind must be a non-empty string, e.g. chat.message.");
  }
  if (typeof by !== "string" || by === "") {
    throw new ValidationError("invalid_event", "Event `by` must be user, system or an actor id.");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ValidationError("invalid_event", `Event data for ${kind} must be a JSON object.`);
  }
  const event = { v: 1, id: newEventId(), seq, ts, kind, group_id: groupId, by, data };
  let line: string;
  try {
    line = JSON.stringify(event);
  } catch (err) {
    throw new ValidationError(
      "invalid_event",
      `Event data for ${kind} cannot be stored as JSON: ${(err as Error).message}`,
    );
  }
  const bytes = Buffer.byteLength(line, "utf8");
  if (bytes > MAX_LINE_BYTES) {
    throw new ValidationError(
      "message_too_large",
      `${kind} event is too large: message too large (${bytes} bytes as a ledger line, limit ` +
        `${MAX_LINE_BYTES}); put big content in an attachment.`,
      { bytes, limit: MAX_LINE_BYTES },
    );
  }
  return { event: event as LedgerEvent, line, bytes };
}
