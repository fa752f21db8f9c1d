/**
 * Where the fenced code blocks of a markdown text are, by line, read from the `marked` token tree
 * (./md-lex.ts) — at any depth: in a list item or a quote too. The splitter (./split.ts) uses it to
 * close a fence at the end of a chunk and reopen it at the start of the next. Pure.
 */
import type { Token, Tokens } from "marked";
import { childBlocks, isFencedCode, lexMarkdown, sameLengthLf, tokenOffsets } from "./md-lex.js";

export interface Fence {
  /** The line that reopens it (the opener with its language, list markers turned to spaces). */
  line: string;
  /** The line that closes it, e.g. "```", "~~~~" or "> ```" in a quote. */
  close: string;
}

export interface FenceMap {
  lineStarts: number[];
  /** Fence in effect at the start of each line (null: outside). */
  before: (Fence | null)[];
  /** True for opener and closer lines (a cut inside them is not repaired). */
  isMarker: boolean[];
  /** Longest `close` line (for the budget). */
  longestClose: number;
}

const OPEN = /^ {0,3}(`{3,}|~{3,})/;
const LIST_MARKER = /(?:[-*+]|\d{1,9}[.)])(?=[ \t])/g;

/** Fenced code tokens in document order, each with the top-level range it lies in. */
function collect(tokens: readonly Token[], offsets: readonly number[], out: [Tokens.Code, number][]): void {
  const walk = (t: Token, at: number) => {
    if (isFencedCode(t)) out.push([t, at]);
    for (const c of childBlocks(t)) walk(c, at);
  };
  for (const [i, t] of tokens.entries()) walk(t, offsets[i] ?? 0);
}

export function mapFences(text: string): FenceMap {
  const lineStarts: number[] = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const lineText = (i: number) =>
    text.slice(lineStarts[i] ?? 0, (lineStarts[i + 1] ?? text.length + 1) - 1).replace(/\r$/, "");
  const map: FenceMap = {
    lineStarts,
    before: lineStarts.map(() => null),
    isMarker: lineStarts.map(() => false),
    longestClose: 0,
  };
  // No fence marker at all: nothing to find (most chat messages; saves a second parse).
  if (!text.includes("```") && !text.includes("~~~")) return map;
  const tokens = lexMarkdown(text);
  const found: [Tokens.Code, number][] = [];
  collect(tokens, tokenOffsets(tokens, sameLengthLf(text)), found);
  let searchFrom = 0;
  for (const [code, at] of found) {
    const rawLines = code.raw.replace(/\n+$/, "").split("\n");
    const opener = (rawLines[0] ?? "").trim();
    const marker = OPEN.exec(rawLines[0] ?? "")?.[1];
    if (!marker) continue;
    // The opener's source line: the same text after container prefixes (quote marks, indents).
    let line = Math.max(searchFrom, lineAt(at));
    while (line < lineStarts.length && !isOpenerLine(lineText(line), opener)) line++;
    if (line >= lineStarts.length) continue;
    const src = lineText(line);
    const prefix = src.slice(0, src.length - opener.length).replace(LIST_MARKER, (m) => " ".repeat(m.length));
    const fence: Fence = { line: `${prefix}${opener}`, close: `${prefix}${marker}` };
    const last = rawLines[rawLines.length - 1]?.trim() ?? "";
    const closed =
      rawLines.length > 1 &&
      last[0] === marker[0] &&
      /^(`{3,}|~{3,})$/.test(last) &&
      last.length >= marker.length;
    const end = Math.min(lineStarts.length - 1, line + rawLines.length - 1);
    map.isMarker[line] = true;
    for (let l = line + 1; l <= end; l++) map.before[l] = fence;
    if (closed) map.isMarker[end] = true;
    map.longestClose = Math.max(map.longestClose, fence.close.length);
    searchFrom = end + 1;
  }
  return map;
}

function isOpenerLine(src: string, opener: string): boolean {
  if (!src.endsWith(opener)) return false;
  return /^[\s>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+[\s>]*)*$/.test(src.slice(0, src.length - opener.length));
}

/** The fence a cut at `offset` falls inside, or null. */
export function fenceAt(map: FenceMap, offset: number): Fence | null {
  let lo = 0;
  let hi = map.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((map.lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  const atLineStart = map.lineStarts[lo] === offset;
  if (!atLineStart && map.isMarker[lo]) return null;
  return map.before[lo] ?? null;
}
