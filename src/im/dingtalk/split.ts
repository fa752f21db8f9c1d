/**
 * Lossless splitting of long texts into DingTalk-sized chunks.
 *
 * `splitText` cuts the input into pieces whose concatenation is exactly the input. Each piece is
 * then decorated for display: a `(i/n)` number line, and — for markdown — a code fence closed at the
 * end of a chunk and reopened (same opener line) at the start of the next. A rendered chunk fits
 * both limits: UTF-16 code units and UTF-8 bytes *after JSON escaping* (what `msgParam` costs).
 *
 * Break preference inside the window that fits: after a blank line (paragraph) in the second half
 * of the window, else after the last newline, else after a space/tab in the last fifth, else at the
 * last grapheme boundary (`Intl.Segmenter`: an emoji with its modifier, a ZWJ sequence, a flag, a
 * letter with its marks stay whole). A surrogate pair is never split. Fenced code blocks are found
 * on `marked`'s token tree (./fence-map.ts), in lists and quotes too.
 */

import { GraphemeBoundaries } from "../../kernel/graphemes.js";
import { type Fence, fenceAt, mapFences } from "./fence-map.js";

export interface SplitLimits {
  /** Max UTF-16 code units of a rendered chunk. */
  maxUnits: number;
  /** Max UTF-8 bytes of a rendered chunk once JSON-escaped (without the surrounding quotes). */
  maxBytes: number;
  /** Close and reopen fenced code blocks across chunks (markdown only). */
  fences: boolean;
  /** Separator after the `(i/n)` number: `"\n"` for text, `"\n\n"` for markdown. */
  numberSeparator: string;
}

export interface Chunk {
  /** The exact slice of the input. */
  text: string;
  /** Fence opener line + newline prepended when the chunk starts inside a code block. */
  reopen: string;
  /** Newline + fence marker appended when the chunk ends inside a code block. */
  close: string;
}

/** UTF-8 bytes of one code point once JSON-escaped (`JSON.stringify` rules). */
export function jsonCodePointBytes(cp: number): number {
  if (cp === 0x22 || cp === 0x5c) return 2;
  if (cp < 0x20) return cp === 8 || cp === 9 || cp === 10 || cp === 12 || cp === 13 ? 2 : 6;
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp >= 0xd800 && cp <= 0xdfff) return 6; // lone surrogate → \udxxx
  return cp < 0x10000 ? 3 : 4;
}

/** UTF-8 bytes of a string once JSON-escaped, without the quotes. */
export function jsonBytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i) ?? 0;
    n += jsonCodePointBytes(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return n;
}

/** Largest end such that text[start, end) costs at most the budgets (at least one code point). */
function fitEnd(text: string, start: number, units: number, bytes: number): number {
  let i = start;
  let b = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) ?? 0;
    const w = cp > 0xffff ? 2 : 1;
    const c = jsonCodePointBytes(cp);
    if (i + w - start > units || b + c > bytes) break;
    b += c;
    i += w;
  }
  if (i === start && start < text.length) i += (text.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

function chooseBreak(text: string, start: number, end: number, g: GraphemeBoundaries): number {
  const span = end - start;
  const para = text.lastIndexOf("\n\n", end - 2);
  if (para >= start && para + 2 - start >= span / 2) return para + 2;
  const line = text.lastIndexOf("\n", end - 1);
  if (line >= start) return line + 1; // always a grapheme boundary (UAX #29 GB4)
  for (let i = end - 1; i > start && end - i <= span / 5; i--) {
    const ch = text[i];
    if ((ch === " " || ch === "\t") && g.isBoundary(i + 1)) return i + 1;
  }
  const cut = g.atOrBefore(end);
  // One grapheme longer than the whole window (e.g. thousands of combining marks): cut it at a
  // code point boundary rather than never making progress.
  return cut > start ? cut : end;
}

function numberLabel(i: number, n: number, sep: string): string {
  return n > 1 ? `(${i}/${n})${sep}` : "";
}

/** Split `text` into chunks; `chunks.map(c => c.text).join("") === text` always holds. */
export function splitText(text: string, limits: SplitLimits): Chunk[] {
  if (text === "") return [{ text: "", reopen: "", close: "" }];
  const fences = limits.fences ? mapFences(text) : null;
  const graphemes = new GraphemeBoundaries(text);
  const numberReserve = `(9999/9999)${limits.numberSeparator}`;
  const closeReserve = fences ? `\n${"`".repeat(Math.max(3, fences.longestClose))}` : "";
  const fixedUnits = numberReserve.length + closeReserve.length;
  const fixedBytes = jsonBytes(numberReserve) + jsonBytes(closeReserve);
  const chunks: Chunk[] = [];
  let pos = 0;
  let open: Fence | null = null;
  while (pos < text.length) {
    const reopen = open ? `${open.line}\n` : "";
    const units = limits.maxUnits - fixedUnits - reopen.length;
    const bytes = limits.maxBytes - fixedBytes - jsonBytes(reopen);
    if (units < 16 || bytes < 64) throw new RangeError("split limits too small for the decorations");
    const limit = fitEnd(text, pos, units, bytes);
    const end = limit >= text.length ? text.length : chooseBreak(text, pos, limit, graphemes);
    const piece = text.slice(pos, end);
    open = fences && end < text.length ? fenceAt(fences, end) : null;
    const close = open ? `${piece.endsWith("\n") ? "" : "\n"}${open.close}` : "";
    chunks.push({ text: piece, reopen, close });
    pos = end;
  }
  return chunks;
}

/** Render chunks for display: `(i/n)` number line, fence reopen, text, fence close. */
export function renderChunks(chunks: Chunk[], numberSeparator: string): string[] {
  return chunks.map(
    (c, i) => `${numberLabel(i + 1, chunks.length, numberSeparator)}${c.reopen}${c.text}${c.close}`,
  );
}

/** Convenience: split and render. */
export function splitForDisplay(text: string, limits: SplitLimits): string[] {
  return renderChunks(splitText(text, limits), limits.numberSeparator);
}
