/**
 * The one markdown parser of the DingTalk pipeline: `marked`'s GFM lexer (the Web UI renders with
 * the same library). Both the dialect conversion (./markdown.ts) and the splitter (./split.ts) read
 * its token tree instead of matching lines with regexes. Pure.
 */
import { Lexer, type Token, type Tokens } from "marked";

/**
 * Lex GFM. `\r\n` becomes `" \n"` and a lone `\r` becomes `\n` first: the same meaning for
 * markdown (trailing spaces before a newline are not a hard break unless there are two) and the
 * same length, so offsets into the lexed text are offsets into the caller's text.
 */
export function lexMarkdown(text: string): Token[] {
  return Lexer.lex(sameLengthLf(text), { gfm: true, breaks: false });
}

export function sameLengthLf(text: string): string {
  return text.replace(/\r\n/g, " \n").replace(/\r/g, "\n");
}

/** Start offsets of `tokens` inside `source` (their raws in order; searched when not contiguous). */
export function tokenOffsets(tokens: readonly { raw: string }[], source: string, from = 0): number[] {
  const out: number[] = [];
  let pos = from;
  for (const t of tokens) {
    const at = source.startsWith(t.raw, pos) ? pos : source.indexOf(t.raw, pos);
    out.push(at === -1 ? pos : at);
    if (at !== -1) pos = at + t.raw.length;
  }
  return out;
}

/** Tokens that hold child block tokens (their raws are dedented, so not contiguous in the source). */
export function childBlocks(t: Token): Token[] {
  if (t.type === "list") return (t as Tokens.List).items;
  if (t.type === "list_item" || t.type === "blockquote") return (t as Tokens.ListItem).tokens ?? [];
  return [];
}

/** A fenced (not indented) code block. */
export function isFencedCode(t: Token): t is Tokens.Code {
  return t.type === "code" && (t as Tokens.Code).codeBlockStyle !== "indented";
}
