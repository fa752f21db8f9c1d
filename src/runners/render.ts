/** Pure rendering of what an agent sees in its terminal for delivered events, and the session preamble. */

import { isAbsolute, join } from "node:path";
import type { Attachment, LedgerEvent, MessageSource } from "../kernel/types.js";

/** Characters of the event id shown after `reply:`. */
export const REPLY_ID_CHARS = 8;

export interface RenderContext {
  /** Absolute group directory; attachment paths in events are relative to it. */
  groupDir: string;
  /** Text of an earlier message, used for the `> "quote"` line of a reply. */
  quote?: (eventId: string) => string | undefined;
}

const QUOTE_CHARS = 80;

/** One event as typed into the terminal. Unknown kinds get a one-line notice. */
export function renderEvent(event: LedgerEvent, ctx: RenderContext): string {
  if (event.kind === "chat.message") return renderChat(event, ctx);
  if (event.kind === "system.notify") return renderNotify(event);
  return `[cccc] ${event.kind} from ${event.by} (id:${shortId(event.id)})`;
}

/** Several queued events delivered as one paste. */
export function renderBatch(events: readonly LedgerEvent[], ctx: RenderContext): string {
  const parts = events.map((e) => renderEvent(e, ctx));
  if (parts.length === 1) return parts[0] ?? "";
  return [`[cccc] ${parts.length} new messages:`, ...parts].join("\n");
}

function renderChat(event: LedgerEvent, ctx: RenderContext): string {
  const data = event.data;
  const text = typeof data.text === "string" ? data.text.replace(/\r\n?/g, "\n") : "";
  const to = stringList(data.to);
  const target = to.length > 0 ? to.join(", ") : event.by === "user" ? "@foreman" : "@all";
  const from = event.by + sourceTag(data.source);
  const header = `[cccc] ${from} → ${target} (reply:${shortId(event.id)})`;
  const lines: string[] = [];
  if (text === "") lines.push(`${header}:`);
  else if (text.includes("\n")) lines.push(`${header}:`, text);
  else lines.push(`${header}: ${text}`);
  const replyTo = typeof data.reply_to === "string" ? data.reply_to : undefined;
  const quoted = replyTo ? ctx.quote?.(replyTo) : undefined;
  if (quoted !== undefined) lines.push(`> "${truncate(quoted.replace(/\s+/g, " ").trim(), QUOTE_CHARS)}"`);
  const attachments = attachmentList(data.attachments);
  if (attachments.length > 0) {
    const noun = attachments.length === 1 ? "attachment" : "attachments";
    lines.push(
      `[cccc] ${attachments.length} ${noun}; read the file${attachments.length === 1 ? "" : "s"} at:`,
    );
    for (const a of attachments) {
      const path = isAbsolute(a.path) ? a.path : join(ctx.groupDir, a.path);
      lines.push(`- ${a.name} (${a.mime}, ${a.bytes} bytes): ${path}`);
    }
  }
  return lines.join("\n");
}

function renderNotify(event: LedgerEvent): string {
  const d = event.data;
  const kind = typeof d.kind === "string" ? d.kind : "notice";
  const title = typeof d.title === "string" ? d.title : "";
  const message = typeof d.message === "string" ? d.message : "";
  const head = `[cccc] SYSTEM (${kind}): ${title}`.trimEnd();
  return message ? `${head}\n${message}` : head;
}

/** ` [dingtalk / Alice]` for a message typed by a person in a chat app. */
function sourceTag(source: unknown): string {
  if (!source || typeof source !== "object") return "";
  const s = source as Partial<MessageSource>;
  if (!s.platform) return "";
  return s.user_name ? ` [${s.platform} / ${s.user_name}]` : ` [${s.platform}]`;
}

function attachmentList(value: unknown): Attachment[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (a): a is Attachment => !!a && typeof a === "object" && typeof (a as Attachment).path === "string",
  );
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function shortId(id: string): string {
  return id.slice(0, REPLY_ID_CHARS);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface PreambleInfo {
  actorId: string;
  actorTitle?: string;
  groupId: string;
  groupTitle: string;
  role: "foreman" | "peer";
  /** The foreman's id (shown to peers). */
  foremanId?: string;
  /** The other non-foreman actors. */
  peers?: readonly string[];
  /** The working directory the actor was started in. */
  scope?: string;
  /** The first message follows in the same paste (so no "nothing to do yet"). */
  merged?: boolean;
}

/** The system prompt typed before the first message of a terminal session. */
export function renderPreamble(info: PreambleInfo): string {
  const who = info.actorTitle ? `"${info.actorId}" (${info.actorTitle})` : `"${info.actorId}"`;
  const roleName = info.role === "foreman" ? "the foreman" : "a peer";
  const peers = (info.peers ?? []).filter((p) => p !== info.actorId);
  const foreman = info.role === "foreman" ? info.actorId : (info.foremanId ?? "(none)");
  const lines = [
    `[cccc] You are ${who}, ${roleName} of the CCCC working group "${info.groupTitle}" (${info.groupId}).`,
    `Team: foreman ${foreman}; peers: ${peers.length > 0 ? peers.join(", ") : "none yet"}.`,
  ];
  if (info.scope) lines.push(`Working directory: ${info.scope}`);
  lines.push(
    "How messages work:",
    '- Messages for you are typed into this terminal as "[cccc] <from> → <to> (reply:<event_id>): <text>".',
    "- Your terminal output is not seen by anyone. To answer, use the MCP tools cccc_message_reply " +
      "(event_id = the id after reply:) or cccc_message_send, or run `cccc reply <event_id> <text>` / " +
      "`cccc send [--to <id>] <text>` in a shell.",
    "- Recipients: user (the human), @foreman, @peers, @all, or an actor id.",
    "- Attachments are listed with absolute paths: read those files directly.",
    "- Missed something? cccc_inbox_list or `cccc inbox` lists your unread messages.",
  );
  if (info.role === "foreman") {
    lines.push(
      "Your role: you coordinate. Split the work, delegate to peers with cccc_message_send, " +
        "check their results, and report to the user.",
    );
  } else {
    lines.push(
      `Your role: take work from the foreman (${foreman}) and report back to it when done or blocked; ` +
        "answer the user directly when the user asks you.",
    );
  }
  lines.push(
    info.merged ? "Your first message follows." : "Nothing to do yet: wait for the next [cccc] message.",
  );
  return lines.join("\n");
}
