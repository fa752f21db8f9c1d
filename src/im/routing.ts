import type { ApprovalDecidedData } from "../kernel/approval.js";
import { isUserFacing } from "../kernel/event-kinds.js";
import type { Attachment, LedgerEvent } from "../kernel/types.js";
import { readSenderHeader, senderHeader, truncate } from "./format.js";
import type { AuthorizedChat, Subscription } from "./state.js";
import type { ActorSummary, ApprovalView, QuotedMessage } from "./types.js";

/** What an event means for IM chats, decided once per event. */
export interface OutboundItem {
  seq: number;
  eventId: string;
  /** Who wrote it (an actor id, or `system`). */
  by: string;
  /** `user`: to every subscribed chat; `verbose`: only to verbose chats (agent-to-agent). */
  audience: "user" | "verbose";
  /** The sender header for `chooseContent`: `<sender title>`, or `<sender> → <recipients>` (verbose). */
  title: string;
  /** The message body. */
  text: string;
  attachments: Attachment[];
  replyTo?: string;
  /** The reply stream this message ends (structured actors): its card may already show the text. */
  streamId?: string;
  /** Command buttons `[title, command]` (an approval card); shown where the chat can use them. */
  buttons?: Array<[title: string, command: string]>;
  /** An approval request or decision: shown as a card updated in place where the chat has cards. */
  approval?: {
    view: ApprovalView;
    /** The decision and its time (the event's ts); absent for the request. */
    decided?: ApprovalDecidedData & { at: string };
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function attachmentList(value: unknown): Attachment[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (a): a is Attachment => typeof a === "object" && a !== null && typeof (a as Attachment).path === "string",
  );
}

function titleOf(id: string, actors: readonly ActorSummary[]): string {
  const actor = actors.find((a) => a.id === id);
  return actor && actor.title !== "" ? actor.title : id;
}

/**
 * Which ledger events reach IM (fail-closed):
 * - never anything written by `user` (no echo of the user's own messages, from IM, Web or CLI);
 * - agent `chat.message` that is user-facing (kernel `isUserFacing`: `to` empty, or containing
 *   `user`/`@user`/`@all`) → every chat;
 *   other agent messages (agent-to-agent) → verbose chats only;
 * - `system.notify` only when `im_visibility` is `public` and it targets no actor.
 */
export function classifyEvent(event: LedgerEvent, actors: readonly ActorSummary[]): OutboundItem | undefined {
  if (event.by === "user") return undefined;
  const data = event.data;
  if (event.kind === "chat.message") {
    if (data.source !== undefined && data.source !== null) return undefined; // IM ingress, never echoed
    const to = stringList(data.to);
    const body = typeof data.text === "string" ? data.text : "";
    const attachments = attachmentList(data.attachments);
    if (body.trim() === "" && attachments.length === 0) return undefined;
    const userFacing = isUserFacing(to);
    const sender = titleOf(event.by, actors);
    const header = senderHeader(sender, userFacing ? [] : to.map((t) => displayToken(t, actors)));
    const item: OutboundItem = {
      seq: event.seq,
      eventId: event.id,
      by: event.by,
      audience: userFacing ? "user" : "verbose",
      title: header,
      text: body,
      attachments,
    };
    if (typeof data.reply_to === "string") item.replyTo = data.reply_to;
    if (typeof data.stream_id === "string" && data.stream_id) item.streamId = data.stream_id;
    return item;
  }
  if (event.kind === "system.notify") {
    if (data.im_visibility !== "public") return undefined;
    if (data.target_actor_id || data.actor_id) return undefined;
    const to = stringList(data.to);
    if (!isUserFacing(to)) return undefined;
    const title = typeof data.title === "string" ? data.title : "";
    const message =
      typeof data.message === "string" ? data.message : typeof data.text === "string" ? data.text : "";
    const body = title && message && title !== message ? `${title}: ${message}` : title || message;
    if (body === "") return undefined;
    return {
      seq: event.seq,
      eventId: event.id,
      by: event.by,
      audience: "user",
      title: "SYSTEM",
      text: body,
      attachments: [],
    };
  }
  return undefined;
}

function displayToken(token: string, actors: readonly ActorSummary[]): string {
  return token.startsWith("@") || token === "user" ? token : titleOf(token, actors);
}

/** A chat receives items of this audience now (authorized, subscribed, not paused, not gone). */
export function chatReceives(
  chat: AuthorizedChat | undefined,
  sub: Subscription | undefined,
  audience: OutboundItem["audience"],
): "deliver" | "held_back" | "skip" {
  if (!chat || chat.gone || !sub?.subscribed) return "skip";
  if (audience === "verbose" && !sub.verbose) return "skip";
  return sub.paused ? "held_back" : "deliver";
}

/** Characters of a quoted message kept in the forwarded text (the kernel's `quote_text` is ≤ 100 too). */
export const QUOTE_MAX = 100;

/** A quote-reply read against the group's actors (docs/im-bridge.md, "Quote-reply routing"). */
export interface QuoteRoute {
  /** The actor who wrote the quoted message, when its sender header names exactly one. */
  to?: string;
  /** The context line put before the forwarded text: `> <sender>: <start of the quoted text>`. */
  line?: string;
}

/**
 * The actor a header name means: the inverse of `titleOf` (the title, or the id when untitled),
 * else an id or title ignoring case. Two candidates → undefined (ambiguous: the default applies).
 */
export function actorByHeaderName(name: string, actors: readonly ActorSummary[]): string | undefined {
  const exact = actors.filter((a) => titleOf(a.id, actors) === name);
  if (exact.length > 0) return exact.length === 1 ? exact[0]?.id : undefined;
  const lower = name.toLowerCase();
  const loose = actors.filter((a) => a.id.toLowerCase() === lower || a.title.toLowerCase() === lower);
  return loose.length === 1 ? loose[0]?.id : undefined;
}

/** Where a quote-reply goes and the line that keeps the quote for context. */
export function quoteRoute(quoted: QuotedMessage | undefined, actors: readonly ActorSummary[]): QuoteRoute {
  const text = quoted?.text.trim() ?? "";
  if (text === "") return {};
  const read = readSenderHeader(text);
  const excerpt = (s: string) => truncate(s.replace(/\s+/g, " ").trim(), QUOTE_MAX);
  if (!read) return { line: `> ${excerpt(text)}` };
  const body = excerpt(read.body);
  const route: QuoteRoute = { line: body ? `> ${read.sender}: ${body}` : `> ${read.sender}` };
  const to = actorByHeaderName(read.sender, actors);
  if (to) route.to = to;
  return route;
}
