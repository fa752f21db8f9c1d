/**
 * GFM → DingTalk markdown dialect (DingTalk renders a subset — headings, bold,
 * italic, links, images, lists, quotes, code — and renders tables poorly; clients differ on PC and
 * mobile). Works on `marked`'s token tree (./md-lex.ts), block by block:
 *
 * 1. Tables become a bold header line (`**A · B**`) plus one bullet per row (`- a · b`), after a
 *    blank line; in a list or quote too.
 * 2. Task list items `- [ ]` / `- [x]` become `- ☐` / `- ☑` (any depth).
 * 3. A paragraph line `#Heading` without a space gets the space DingTalk needs.
 * 4. Autolinks `<https://…>` become bare URLs; HTML tags (e.g. `Vec<String>`) and other tag-like
 *    `<` in text are escaped as `&lt;` so the client does not swallow them. Code (spans, fenced and
 *    indented blocks) is left alone.
 * 5. A single newline inside a paragraph, list or quote becomes a hard break (two trailing spaces):
 *    DingTalk clients differ in whether they join soft-wrapped lines, and agents mean their
 *    newlines. Not after a heading, not before a code fence.
 * 6. CRLF becomes LF.
 * Everything else (code, rules, link definitions, blank lines) passes through as written.
 * See docs/dingtalk-format.md §3. Pure.
 */
import type { Token, Tokens } from "marked";
import { lexMarkdown } from "./md-lex.js";

/** Output text; `soft`: its newlines may become hard breaks (rule 5). */
interface Piece {
  s: string;
  soft: boolean;
}

const HEADING = /^ {0,3}#{1,6}(\s|$)/;
const FENCE_LINE = /^[ >]*(?:`{3,}|~{3,})/;
const TAG_LIKE = /<(?=[A-Za-z/!?])/g;

const escapeTags = (s: string) => s.replace(TAG_LIKE, "&lt;");

/** Replace each child's raw inside `raw` by its conversion; text between them is kept. */
function substitute(raw: string, tokens: readonly Token[], cell: boolean): string {
  let out = "";
  let cursor = 0;
  for (const t of tokens) {
    const at = raw.indexOf(t.raw, cursor);
    if (at === -1) continue;
    out += raw.slice(cursor, at) + inline(t, cell);
    cursor = at + t.raw.length;
  }
  return out + raw.slice(cursor);
}

function inline(t: Token, cell: boolean): string {
  switch (t.type) {
    case "codespan":
    case "escape":
    case "br":
    case "image":
      return t.raw;
    case "html":
      return cell && /^<br\s*\/?>$/i.test(t.raw) ? " " : escapeTags(t.raw);
    case "link":
      // Autolink `<https://…>`: the bare URL (DingTalk would take the brackets for a tag).
      if (t.raw.startsWith("<") && t.raw.endsWith(">")) return t.raw.slice(1, -1);
      return substitute(t.raw, (t as Tokens.Link).tokens, cell);
    case "text":
      return "tokens" in t && t.tokens ? substitute(t.raw, t.tokens, cell) : escapeTags(t.raw);
    default:
      return "tokens" in t && Array.isArray(t.tokens) ? substitute(t.raw, t.tokens, cell) : t.raw;
  }
}

function paragraph(t: Tokens.Paragraph | Tokens.Text): Piece {
  const body = t.tokens ? substitute(t.raw, t.tokens, false) : escapeTags(t.raw);
  return { s: body.replace(/^( {0,3})(#{1,6})(?=[^#\s])/gm, "$1$2 "), soft: true };
}

/** Cells of a raw table row, split on unescaped pipes (GFM splits before inline parsing). */
function rawCells(row: string): string[] {
  const s = row
    .trim()
    .replace(/^\|/, "")
    .replace(/(?<!\\)\|$/, "");
  return s.split(/(?<!\\)\|/).map((c) => c.trim());
}

function table(t: Tokens.Table): string {
  const cells = (row: Tokens.TableCell[]) =>
    row.map((c) =>
      c.tokens
        .map((x) => inline(x, true))
        .join("")
        .trim(),
    );
  // GFM drops cells beyond the header's count; a chat message must not lose them.
  const rawRows = t.raw.replace(/\n+$/, "").split("\n").slice(2);
  const row = (r: Tokens.TableCell[], i: number) => {
    const extra = rawCells(rawRows[i] ?? "")
      .slice(r.length)
      .filter((c) => c !== "")
      .map((c) => escapeTags(c.replace(/\\\|/g, "|")));
    return [...cells(r), ...extra].join(" · ");
  };
  const lines: string[] = [];
  if (t.header.some((c) => c.text.trim() !== "")) lines.push(`**${cells(t.header).join(" · ")}**`);
  t.rows.forEach((r, i) => {
    lines.push(`- ${row(r, i)}`);
  });
  return lines.join("\n") + (/\n*$/.exec(t.raw)?.[0] ?? "");
}

const text = (pieces: readonly Piece[]) => pieces.map((p) => p.s).join("");
/** The last `n` characters of the pieces (without joining them all). */
function tail(pieces: readonly Piece[], n: number): string {
  let s = "";
  for (let i = pieces.length - 1; i >= 0 && s.length < n; i--) s = (pieces[i]?.s ?? "") + s;
  return s.slice(-n);
}

const trailingNewlines = (s: string) => (/\n*$/.exec(s)?.[0] ?? "").length;

/** Prefix every line: `first` on the first, then `rest` (`restEmpty` on empty lines). */
function prefixLines(pieces: readonly Piece[], first: string, rest: string, restEmpty: string): Piece[] {
  let lineStart = true;
  let isFirst = true;
  return pieces.map((p) => {
    const parts = p.s.split("\n");
    let s = "";
    for (let j = 0; j < parts.length; j++) {
      const part = parts[j] ?? "";
      if (j > 0) {
        s += "\n";
        lineStart = true;
      }
      // A prefix goes before a line's first character: its text, or the newline of an empty line.
      if (lineStart && (part !== "" || j < parts.length - 1)) {
        s += isFirst ? first : part === "" ? restEmpty : rest;
        isFirst = false;
        lineStart = false;
      }
      s += part;
    }
    return { s, soft: p.soft };
  });
}

const MARKER = /^( *)([-*+]|\d{1,9}[.)])/;

function listItem(item: Tokens.ListItem): Piece[] {
  const bullet = MARKER.exec(item.raw)?.[0] ?? "-";
  const children = item.tokens ?? [];
  const inner = blocks(children);
  const body = text(inner);
  const out =
    body === ""
      ? [{ s: bullet, soft: false }]
      : prefixLines(inner, `${bullet} `, " ".repeat(bullet.length + 1), "");
  const extra = trailingNewlines(item.raw) - trailingNewlines(body);
  // The newline after an item whose last line is text (at any depth) is a line break in the list.
  const endsInText = inner.findLast((p) => p.s !== "")?.soft ?? false;
  if (extra > 0) out.push({ s: "\n".repeat(extra), soft: endsInText });
  return out;
}

function block(t: Token, out: Piece[]): void {
  switch (t.type) {
    case "paragraph":
      out.push(paragraph(t as Tokens.Paragraph));
      return;
    case "text":
      out.push(paragraph(t as Tokens.Text));
      return;
    case "heading":
      out.push({ s: substitute(t.raw, (t as Tokens.Heading).tokens, false), soft: false });
      return;
    case "table": {
      // A table starts its own block: "Results:\n**A · B**" would otherwise join one paragraph.
      const before = tail(out, 2);
      if (out.some((p) => p.s.trim() !== "") && !before.endsWith("\n\n")) {
        out.push({ s: before.endsWith("\n") ? "\n" : "\n\n", soft: false });
      }
      out.push({ s: table(t as Tokens.Table), soft: false });
      return;
    }
    case "list": {
      const items = (t as Tokens.List).items;
      for (const item of items) out.push(...listItem(item));
      const covered = items.map((i) => i.raw).join("");
      if (t.raw.startsWith(covered)) out.push({ s: t.raw.slice(covered.length), soft: false });
      return;
    }
    case "blockquote":
      out.push(...prefixLines(blocks((t as Tokens.Blockquote).tokens), "> ", "> ", ">"));
      return;
    case "html":
      out.push({ s: escapeTags(t.raw), soft: false });
      return;
    case "checkbox":
      out.push({ s: t.raw.replace(/^\[([ xX])\]/, (_m, c: string) => (c === " " ? "☐" : "☑")), soft: false });
      return;
    default:
      // code, space, hr, def: as written.
      out.push({ s: t.raw, soft: false });
  }
}

function blocks(tokens: readonly Token[]): Piece[] {
  const out: Piece[] = [];
  for (const t of tokens) block(t, out);
  return out;
}

/** Rule 5 on the assembled pieces. */
function hardBreaks(pieces: readonly Piece[]): string {
  const lines: string[] = [""];
  const softEnd: boolean[] = [];
  for (const p of pieces) {
    const parts = p.s.split("\n");
    lines[lines.length - 1] += parts[0] ?? "";
    for (let i = 1; i < parts.length; i++) {
      softEnd.push(p.soft);
      lines.push(parts[i] ?? "");
    }
  }
  const blank = (l: string) => /^[\s>]*$/.test(l);
  for (let i = 0; i + 1 < lines.length; i++) {
    const cur = lines[i] ?? "";
    const next = lines[i + 1] ?? "";
    if (!softEnd[i] || blank(cur) || blank(next) || HEADING.test(cur) || FENCE_LINE.test(next)) continue;
    if (/ {2}$|\\$/.test(cur)) continue;
    lines[i] = `${cur.replace(/[ \t]+$/, "")}  `;
  }
  return lines.join("\n");
}

/** Convert GFM text to what DingTalk's markdown message renders well. */
export function toDingTalkMarkdown(input: string): string {
  const source = input.replace(/\r\n?/g, "\n");
  return hardBreaks(blocks(lexMarkdown(source)));
}
