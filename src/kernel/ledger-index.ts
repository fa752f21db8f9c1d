import type { FileHandle } from "node:fs/promises";
import { linesForward, parseLine } from "./ledger-lines.js";

/** Checkpoints closer than this (bytes) are not kept; a lookup ends with at most this much to read. */
export const INDEX_GAP = 64 * 1024;
const PROBE_CHUNK = 4 * 1024;

/**
 * Sparse in-memory index seq → byte offset of the line holding that seq. It is filled from the
 * open-time tail read, from every durable append batch, from `scan`, and from binary-search probes.
 * A checkpoint is kept only if no known checkpoint lies within `gap` bytes of it, so the index stays
 * at most about `2 × fileSize / gap` entries however many lookups are made.
 */
export class SparseIndex {
  private readonly seqs: number[] = [];
  private readonly offsets: number[] = [];

  constructor(private readonly gap = INDEX_GAP) {}

  get size(): number {
    return this.seqs.length;
  }

  note(seq: number, offset: number): void {
    const i = this.upperBound(seq);
    const prevSeq = i > 0 ? this.seqs[i - 1] : undefined;
    if (prevSeq === seq) return;
    const prevOffset = i > 0 ? (this.offsets[i - 1] ?? 0) : Number.NEGATIVE_INFINITY;
    const nextOffset = i < this.offsets.length ? (this.offsets[i] ?? 0) : Number.POSITIVE_INFINITY;
    // Lines are seq-ordered; a checkpoint that contradicts its neighbours is ignored.
    if (offset <= prevOffset || offset >= nextOffset) return;
    if (offset - prevOffset < this.gap || nextOffset - offset < this.gap) return;
    this.seqs.splice(i, 0, seq);
    this.offsets.splice(i, 0, offset);
  }

  /**
   * Byte bounds for the first line with seq ≥ `target`: `lo` is a line start at or before it, `hi` an
   * offset at or after it (`end` when nothing is known).
   */
  bounds(target: number, end: number): { lo: number; hi: number } {
    const i = this.upperBound(target); // first checkpoint with seq > target
    const at = i > 0 && this.seqs[i - 1] === target;
    const lo = i > 0 ? (this.offsets[i - 1] ?? 0) : 0;
    if (at) return { lo, hi: lo };
    const hi = i < this.offsets.length ? (this.offsets[i] ?? end) : end;
    return { lo, hi: Math.min(hi, end) };
  }

  /** Index of the first checkpoint whose seq is greater than `seq`. */
  private upperBound(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] ?? 0) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * A line start at or before the first line with seq ≥ `target` in `[0, end)`: the sparse index
 * narrows the range, then binary search by seeking (lines are seq-ordered) until at most INDEX_GAP
 * bytes are left to read forward. Probed lines are added to the index.
 */
export async function locate(
  fh: FileHandle,
  index: SparseIndex,
  target: number,
  end: number,
): Promise<number> {
  let { lo, hi } = index.bounds(target, end);
  while (hi - lo > INDEX_GAP) {
    const probe = await firstEventAfter(fh, lo + Math.floor((hi - lo) / 2), hi, end);
    if (!probe) break; // no whole valid line starts in (mid, hi): read forward from lo
    index.note(probe.seq, probe.offset);
    if (probe.seq >= target) hi = probe.offset;
    else lo = probe.offset;
  }
  return lo;
}

/** The first valid event line starting after `from` and before `hi` (corrupt lines are passed over quietly). */
async function firstEventAfter(
  fh: FileHandle,
  from: number,
  hi: number,
  end: number,
): Promise<{ seq: number; offset: number } | null> {
  for await (const line of linesForward(fh, from, end, PROBE_CHUNK, true)) {
    if (line.offset >= hi) return null;
    const parsed = parseLine(line.bytes);
    if (parsed && "event" in parsed) return { seq: parsed.event.seq, offset: line.offset };
  }
  return null;
}
