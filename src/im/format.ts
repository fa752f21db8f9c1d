/**
 * Platform-neutral choice of outbound message format (docs/im-bridge.md; each platform's encoder renders it).
 *
 * `chooseContent` rules, first match wins:
 * 1. `buttons` given (non-empty)          → actionCard (body as in 3, buttons kept in order).
 * 2. `kind` is "help" or "status"         → markdown (command replies are structured text).
 * 3. text has a markdown construct         → markdown; body is `**<title>**` + blank line + text.
 *    Constructs: ATX heading, bullet/ordered/task list item, code fence, GFM table, `**bold**`,
 *    `[text](url)` link or image, block quote. (`__x__` is not one: `__init__` is code, not bold.)
 * 4. text is a link share: one http(s) URL alone, optionally with one line of text before or after
 *                                          → link (title = that line, else the URL's host).
 * 5. otherwise (plain text, any length)   → text; body is `[<title>] text`.
 * `title` is the sender header (e.g. "foreman" or "peer-a → user"; see `senderHeader`); it may be
 * empty. The preview title of markdown/actionCard content is `<title>: <summary>` cut to PREVIEW_MAX
 * characters. Callers pass raw message text; splitting of long texts happens in the platform encoder.
 *
 * This module owns the sender header both ways: `senderHeader` + `chooseContent` write it, and
 * `readSenderHeader` reads it back from a message a chat user quoted (quote-reply routing,
 * docs/im-bridge.md). Change one and the test in test/im/format.test.ts makes you change the other.
 */
import { truncateGraphemes } from "../kernel/graphemes.js";
import type { ActionButton, OutboundContent } from "./types.js";

export const PREVIEW_MAX = 30;

/** Between the sender and the recipients of an agent-to-agent header. */
export const HEADER_ARROW = " → ";

/** The sender header: `<sender>`, or `<sender> → <recipient, …>` for agent-to-agent messages. */
export function senderHeader(sender: string, recipients: readonly string[] = []): string {
  return recipients.length === 0 ? sender : `${sender}${HEADER_ARROW}${recipients.join(", ")}`;
}

export interface ChooseContentInput {
  text: string;
  /** Sender header, e.g. the sender's title. */
  title: string;
  kind?: "help" | "status";
  buttons?: ActionButton[];
}

const CONSTRUCTS: [string, RegExp][] = [
  ["heading", /^ {0,3}#{1,6}\s+\S/m],
  ["list", /^ {0,3}(?:[-*+]|\d{1,9}[.)])\s+\S/m],
  ["code fence", /^ {0,3}(?:`{3,}|~{3,})/m],
  ["table", /^\s*\|?.*\|.*\n\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/m],
  ["bold", /\*\*(?=\S)[^\n]*?\S\*\*/],
  ["link", /!?\[[^\]\n]+\]\([^)\s]+(?:\s+"[^"]*")?\)/],
  ["quote", /^ {0,3}>\s?\S/m],
];

/** Names of the markdown constructs found in `text` (empty: plain text). */
export function detectMarkdown(text: string): string[] {
  return CONSTRUCTS.filter(([, re]) => re.test(text)).map(([name]) => name);
}

const URL_LINE = /^<?(https?:\/\/[^\s<>]+)>?$/;

/** `{url, line?}` when the text is a link share (rule 4), else undefined. */
export function detectLinkShare(text: string): { url: string; line?: string } | undefined {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (lines.length === 0 || lines.length > 2) return undefined;
  const urlIndex = lines.findIndex((l) => URL_LINE.test(l));
  if (urlIndex === -1) return undefined;
  const url = URL_LINE.exec(lines[urlIndex] ?? "")?.[1];
  if (!url || !isHttpUrl(url)) return undefined;
  const line = lines[1 - urlIndex];
  if (lines.length === 2 && (line === undefined || URL_LINE.test(line))) return undefined;
  return line === undefined ? { url } : { url, line };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

/** Cut to at most `max` characters (graphemes: an emoji sequence is one), ending with "…" when cut. */
export function truncate(text: string, max: number): string {
  return truncateGraphemes(text, max);
}

/** Markdown line → plain words for a preview. */
function plainLine(line: string): string {
  return line
    .replace(/^ {0,3}#{1,6}\s+/, "")
    .replace(/^\s*(?:>\s*)+/, "")
    .replace(/^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/, "")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, (_m, alt: string) => alt || "[image]")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/<[^>\n]+>/g, "")
    .replace(/(\*\*|__|~~|`)/g, "")
    .replace(/(^|\s)[*_](\S[^*_]*\S|\S)[*_](?=\s|$)/g, "$1$2")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * A preview summary: the first heading if it is among the first three non-empty lines, else the
 * first non-empty line that is not a fence marker or table separator; markdown syntax removed.
 */
export function summarize(text: string, max = PREVIEW_MAX): string {
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "" && !/^ {0,3}(`{3,}|~{3,})/.test(l) && !/^[\s|:-]+$/.test(l));
  const heading = lines.slice(0, 3).find((l) => /^ {0,3}#{1,6}\s+\S/.test(l));
  for (const line of heading ? [heading] : lines) {
    const plain = plainLine(line.includes("|") ? line.replace(/\|/g, " ") : line);
    if (plain) return truncate(plain, max);
  }
  return "";
}

/** Preview title: `<header>: <summary>`, or either alone, at most `max` characters. */
export function previewTitle(header: string, text: string, max = PREVIEW_MAX): string {
  const h = header.trim();
  const s = summarize(text, max);
  if (!h) return s;
  if (!s) return truncate(h, max);
  return truncate(`${h}: ${s}`, max);
}

function markdownBody(header: string, text: string): string {
  const h = header.trim();
  return h ? `**${h}**\n\n${text}` : text;
}

/** Pick the outbound format for one message (rules in the file comment). */
export function chooseContent(input: ChooseContentInput): OutboundContent {
  const text = input.text.replace(/\s+$/, "");
  const header = input.title.trim();
  const title = previewTitle(header, text) || header || "CCCC";
  if (input.buttons && input.buttons.length > 0) {
    return { type: "actionCard", title, text: markdownBody(header, text), buttons: [...input.buttons] };
  }
  if (input.kind || detectMarkdown(text).length > 0) {
    return { type: "markdown", title, text: markdownBody(header, text) };
  }
  const link = detectLinkShare(text);
  if (link) {
    const linkTitle = link.line ?? new URL(link.url).host;
    return {
      type: "link",
      title: truncate(linkTitle, 60),
      text: header ? `${header}: ${link.url}` : link.url,
      url: link.url,
    };
  }
  return { type: "text", text: header ? `[${header}]${text ? ` ${text}` : ""}` : text };
}

export interface ReadHeader {
  /** The whole header, e.g. `Lead → Reviewer`. */
  header: string;
  /** Who wrote the message: the header up to `HEADER_ARROW`. */
  sender: string;
  /** The message text after the header. */
  body: string;
}

/** `(i/n)` numbering line of a split message (the platform encoder splits). */
const PART_LINE = /^\(\d+\/\d+\)\n+/;
/** Rule 5: `[<header>] text`. */
const TEXT_HEADER = /^\[([^\]\n]+)\](?: |\n|$)/;
/** Rules 1–3: `**<header>**` + blank line (a platform may add a hard break's trailing spaces). */
const MARKDOWN_HEADER = /^\*\*([^\n*][^\n]*?)\*\*[ \t]*(?:\n|$)/;
/** Rule 4: `<header>: <url>`. */
const LINK_HEADER = /^([^\n]+?): (https?:\/\/\S+)$/;

/**
 * The sender header of a message `chooseContent` wrote, read back from its text (e.g. a quoted
 * message): `[H] text`, `**H**\n\ntext` or `H: <url>`, optionally after an `(i/n)` line. Undefined when
 * the text has none of these forms (a later part of a split message, another person's message).
 */
export function readSenderHeader(text: string): ReadHeader | undefined {
  const t = text.replace(/\r\n?/g, "\n").trim().replace(PART_LINE, "");
  let header: string | undefined;
  let body = "";
  const m = TEXT_HEADER.exec(t) ?? MARKDOWN_HEADER.exec(t);
  if (m?.[1]) {
    header = m[1];
    body = t.slice(m[0].length);
  } else {
    const link = LINK_HEADER.exec(t);
    if (link?.[1] && link[2]) {
      header = link[1];
      body = link[2];
    }
  }
  header = header?.trim();
  if (!header) return undefined;
  const sender = header.split(HEADER_ARROW.trim())[0]?.trim() ?? "";
  if (!sender) return undefined;
  return { header, sender, body: body.trim() };
}
