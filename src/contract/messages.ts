/** Messages, inboxes, the ledger, blobs and the event stream (docs/api.md, docs/kernel.md). */
import { z } from "zod";
import { LIMITS, text } from "../kernel/limits.js";
import { Attachment, LedgerEvent } from "./common.js";

const token = text(LIMITS.token);

/**
 * An attachment names a blob of the group (`blobs/…`, as `POST /blobs` returned it) or a file under
 * the group's scope; size and hash are taken from the file, not from the request (docs/kernel.md).
 */
export const AttachmentRef = z.object({
  path: text(LIMITS.path).min(1),
  name: text(LIMITS.fileName).optional(),
  mime: token.optional(),
  bytes: z.number().int().nonnegative().optional(),
  sha256: token.optional(),
});

export const SendBody = z.object({
  // The body limit bounds the text (8 MB; big content goes as a file).
  text: z.string().default(""),
  to: z
    .array(token)
    .max(LIMITS.recipients, `has too many recipients (the limit is ${LIMITS.recipients})`)
    .optional(),
  attachments: z
    .array(AttachmentRef)
    .max(LIMITS.attachments, `has too many attachments (the limit is ${LIMITS.attachments})`)
    .optional(),
  reply_to: token.optional(),
  /** Who sends: an actor id; absent = `user`. */
  by: token.optional(),
  format: z.enum(["plain", "markdown"]).optional(),
  /** Idempotency key: the same `by` + `client_id` again returns the first event. */
  client_id: text(200).min(1).optional(),
});
export const ReplyBody = SendBody.extend({ event_id: token.min(1) });
/** Omit `event_id` to mark everything read. */
export const MarkReadBody = z.object({ event_id: token.optional() });

export const LedgerQuery = z.object({
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
  tail: z.coerce.number().int().min(1).max(5000).optional(),
});
export const LedgerResponse = z.strictObject({ events: z.array(LedgerEvent), last_seq: z.number().int() });

/** `POST …/blobs?name=N`, the body is the file's bytes (`application/octet-stream`). */
export const BlobQuery = z.object({ name: z.string().optional() });
export const AttachmentResponse = z.strictObject({ attachment: Attachment });

/** `GET …/stream?after=SEQ` (or `Last-Event-ID`); an unusable value starts at the end. */
export const StreamQuery = z.object({ after: z.string().optional() });
