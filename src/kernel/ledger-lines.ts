/**
 * Low-level line I/O for the ledger file: positional reads, forward and backward line iteration,
 * and parsing one line into an event. Nothing here writes.
 */
import type { FileHandle } from "node:fs/promises";
import { currentKind } from "./event-kinds.js";
import type { LedgerEvent } from "./types.js";

export const NEWLINE = 0x0a;
const MAX_CHUNK = 4 * 1024 * 1024;

/** One line of the file, without its trailing `\n`. `bytes` is only valid until the next iteration. */
export interface RawLine {
  offset: number;
  bytes: Buffer;
}

/** Reads `length` bytes at `position` (fewer only at end of file). */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/**
 * Yields the lines in `[start, end)`, oldest first. With `skipPartial`, bytes up to and including the
 * first `\n` at or after `start` are skipped (used to land on a line start from an arbitrary offset).
 * A final segment without `\n` before `end` is yielded as a line.
 */
export async function* linesForward(
  fh: FileHandle,
  start: number,
  end: number,
  chunkSize: number,
  skipPartial = false,
): AsyncGenerator<RawLine> {
  let pos = start;
  let carry: Buffer | null = null;
  let carryOffset = start;
  let skipping = skipPartial;
  let size = chunkSize;
  while (pos < end) {
    const chunk = await readAt(fh, pos, Math.min(size, end - pos));
    if (chunk.length === 0) break;
    const chunkOffset = pos;
    pos += chunk.length;
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const bufOffset = carry ? carryOffset : chunkOffset;
    let i = 0;
    if (skipping) {
      const nl = buf.indexOf(NEWLINE);
      if (nl < 0) {
        carry = null;
        size = Math.min(size * 2, MAX_CHUNK);
        continue;
      }
      i = nl + 1;
      skipping = false;
    }
    const first = i;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, i);
      if (nl < 0) break;
      yield { offset: bufOffset + i, bytes: buf.subarray(i, nl) };
      i = nl + 1;
    }
    // A line longer than the chunk: read bigger chunks instead of concatenating many small ones.
    if (i === first) size = Math.min(size * 2, MAX_CHUNK);
    carry = i < buf.length ? buf.subarray(i) : null;
    carryOffset = bufOffset + i;
  }
  if (carry && carry.length > 0 && !skipping) yield { offset: carryOffset, bytes: carry };
}

/**
 * Yields the lines in `[0, end)`, newest first, reading backwards in blocks. `end` should be a line
 * boundary (0, or just after a `\n`); otherwise the bytes after the last `\n` are yielded as a line.
 */
export async function* linesBackward(
  fh: FileHandle,
  end: number,
  chunkSize: number,
): AsyncGenerator<RawLine> {
  let start = end;
  let rest: Buffer = Buffer.alloc(0); // bytes [start, start + rest.length) not yet yielded
  let size = chunkSize;
  while (start > 0) {
    const from = Math.max(0, start - size);
    const chunk = await readAt(fh, from, start - from);
    const buf = rest.length > 0 ? Buffer.concat([chunk, rest]) : chunk;
    start = from;
    let len = buf.length;
    let yielded = false;
    while (len >= 2) {
      const nl = buf.lastIndexOf(NEWLINE, len - 2);
      if (nl < 0) break;
      const lineEnd = buf[len - 1] === NEWLINE ? len - 1 : len;
      yield { offset: start + nl + 1, bytes: buf.subarray(nl + 1, lineEnd) };
      yielded = true;
      len = nl + 1;
    }
    if (!yielded) size = Math.min(size * 2, MAX_CHUNK);
    rest = buf.subarray(0, len);
  }
  if (rest.length > 0) {
    const lineEnd = rest[rest.length - 1] === NEWLINE ? rest.length - 1 : rest.length;
    yield { offset: 0, bytes: rest.subarray(0, lineEnd) };
  }
}

export type ParsedLine = { event: LedgerEvent } | { error: string } | null;

/** Parses one line. `null` for a blank line; `{error}` for a line that is not a ledger event. */
export function parseLine(bytes: Buffer): ParsedLine {
  if (bytes.length === 0) return null;
  const text = bytes.toString("utf8");
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: "not a JSON object" };
  }
  const e = value as Partial<LedgerEvent>;
  if (typeof e.seq !== "number" || !Number.isInteger(e.seq) || typeof e.kind !== "string") {
    return { error: "not a ledger event (missing integer seq or string kind)" };
  }
  // Kinds renamed since the line was written are read under their current name.
  const kind = currentKind(e.kind);
  return { event: (kind === e.kind ? value : { ...value, kind }) as LedgerEvent };
}

/** The first `max` characters of a line, for error reports. */
export function preview(bytes: Buffer, max = 200): string {
  const text = bytes.subarray(0, max * 4).toString("utf8");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
