/**
 * Shapes shared by several areas of the HTTP API: the error body, ledger events, attachments.
 * Response objects are strict: a field the daemon sends but the contract lacks fails the response
 * check (CCCC_CHECK_RESPONSES, on in tests), so the contract cannot fall behind the daemon.
 */
import { z } from "zod";

/** Every 4xx/5xx answer: a stable code and a sentence that says what to do. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `{ok: true}` of deletions and similar. */
export const Ok = z.strictObject({ ok: z.literal(true) });

/** A stored attachment; `path` is relative to the group directory (`blobs/<sha256>_<name>`). */
export const Attachment = z.strictObject({
  path: z.string(),
  name: z.string(),
  mime: z.string(),
  bytes: z.number(),
  sha256: z.string(),
});

/**
 * One ledger event (docs/kernel.md). `data` depends on `kind`; its typed shapes are in
 * src/kernel/types.ts, not repeated here.
 */
export const LedgerEvent = z.strictObject({
  v: z.literal(1),
  id: z.string(),
  seq: z.number().int(),
  ts: z.string(),
  kind: z.string(),
  group_id: z.string(),
  by: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type LedgerEvent = z.infer<typeof LedgerEvent>;

export const EventResponse = z.strictObject({ event: LedgerEvent });
export const EventsResponse = z.strictObject({ events: z.array(LedgerEvent) });
