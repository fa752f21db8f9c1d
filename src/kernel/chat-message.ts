/** A user's or an agent's chat.message as the group appends it: its input, checked data and keys. */

import type { ActorConfig } from "./config.js";
import { ValidationError } from "./errors.js";
import { cutToUnits } from "./graphemes.js";
import { resolveRecipients } from "./recipients.js";
import type { Attachment, ChatMessageData, MessageSource } from "./types.js";

/** Texts longer than this are kept whole in an attachment; the ledger line keeps a preview. */
export const MAX_INLINE_TEXT_BYTES = 32_000;
/** The preview kept inline: at most this many UTF-16 units, cut at a grapheme boundary. */
export const INLINE_PREVIEW_UNITS = 2000;

export interface SendInput {
  by: string;
  text: string;
  to?: string[];
  attachments?: Attachment[];
  reply_to?: string;
  source?: MessageSource;
  format?: "plain" | "markdown";
  client_id?: string;
  /** The `chat.stream` this message ends (structured runners). */
  stream_id?: string;
}

/**
 * A chat.message's data, checked (throws `ValidationError`); undefined when the text is too long
 * to keep inline (`inlinePreview` and a blob then). Fresh plain JSON (copies without undefined
 * keys): the ledger may keep it as the event's data.
 */
export function chatMessageData(
  input: SendInput,
  actors: readonly ActorConfig[],
  groupId: string,
): ChatMessageData | undefined {
  const attachments = input.attachments ?? [];
  if (input.text.trim() === "" && attachments.length === 0) {
    throw new ValidationError("empty_message", "The message is empty: give some text or attach a file.");
  }
  let to = resolveRecipients(input.to ?? [], actors);
  if (to.length === 0) to = input.by === "user" ? ["@foreman"] : ["@all"];
  if (input.by === "user" && to.includes("@foreman") && actors.length === 0) {
    throw new ValidationError(
      "no_actors",
      `Group ${groupId} has no actors yet: add one with "cccc actor add".`,
    );
  }
  if (Buffer.byteLength(input.text) > MAX_INLINE_TEXT_BYTES) return undefined;
  const data: ChatMessageData = { text: input.text, to, attachments: attachments.map(defined) };
  if (input.reply_to) data.reply_to = input.reply_to;
  if (input.source) data.source = defined(input.source);
  if (input.format) data.format = input.format;
  if (input.client_id) data.client_id = input.client_id;
  if (input.stream_id) data.stream_id = input.stream_id;
  return data;
}

/** What the ledger line keeps of a text too long to keep inline (the whole text is a blob). */
export function inlinePreview(text: string): string {
  return `${cutToUnits(text, INLINE_PREVIEW_UNITS)}\n…[message continues: the full text is in the attached message.txt]`;
}

/**
 * Built with `join`, which makes one flat string: a template literal makes a tree of string pieces,
 * and a Map keeps its key as given (~300 bytes a key instead of ~100, for every message of the ledger).
 */
export function idempotencyKey(by: string, source?: MessageSource, clientId?: string): string | undefined {
  if (source) return ["src", source.platform, source.chat_id, source.message_id].join(":");
  if (clientId) return ["cid", by, clientId].join(":");
  return undefined;
}

/** A shallow copy of `o` without its undefined-valued keys (what JSON would drop). */
function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  const from = o as Record<string, unknown>;
  for (const k in from) if (Object.hasOwn(from, k) && from[k] !== undefined) out[k] = from[k];
  return out as T;
}
