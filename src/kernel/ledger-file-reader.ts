/**
 * Reading the ledger file (ledger.ts): a page of events by seq (through a sparse seq → offset index),
 * the last events, a full scan, the last event. Every corrupt line a read passes over is reported.
 * Reads take the file's durable end as a bound; nothing here writes.
 */
import type { FileHandle } from "node:fs/promises";
import { locate, SparseIndex } from "./ledger-index.js";
import { linesBackward, linesForward, parseLine, preview, type RawLine } from "./ledger-lines.js";
import type { LedgerEvent } from "./types.js";

const READ_CHUNK = 64 * 1024;
const SCAN_CHUNK = 1024 * 1024;

export interface CorruptLine {
  path: string;
  offset: number;
  bytes: number;
  preview: string;
  reason: string;
}

export class LedgerFileReader {
  readonly index = new SparseIndex();

  constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly onCorrupt: (line: CorruptLine) => void,
  ) {}

  /** Events with seq ≥ target before byte `end`, at most `max`, stopping at `maxBytes` of lines. */
  async read(target: number, max: number, maxBytes: number, end: number): Promise<LedgerEvent[]> {
    const out: LedgerEvent[] = [];
    let bytes = 0;
    const start = await locate(this.fh, this.index, target, end);
    for await (const line of linesForward(this.fh, start, end, READ_CHUNK)) {
      const e = this.parse(line);
      if (!e || e.seq < target) continue;
      out.push(e);
      bytes += line.bytes.length;
      if (out.length >= max || bytes >= maxBytes) break;
    }
    return out;
  }

  /** The last `n` events before byte `end`, oldest first, read backwards in blocks. */
  async tail(n: number, end: number): Promise<LedgerEvent[]> {
    const out: LedgerEvent[] = [];
    if (!(n > 0)) return out;
    for await (const line of linesBackward(this.fh, end, READ_CHUNK)) {
      const e = this.parse(line);
      if (!e) continue;
      out.push(e);
      if (out.length >= n) break;
    }
    return out.reverse();
  }

  /** Every event before byte `end`, in file order (noting offsets in the index). */
  async scan(end: number, onEvent: (e: LedgerEvent) => void): Promise<void> {
    for await (const line of linesForward(this.fh, 0, end, SCAN_CHUNK)) {
      const e = this.parse(line);
      if (!e) continue;
      this.index.note(e.seq, line.offset);
      onEvent(e);
    }
  }

  /** The last valid event before byte `end` (open time), noted in the index. */
  async last(end: number): Promise<LedgerEvent | undefined> {
    for await (const line of linesBackward(this.fh, end, READ_CHUNK)) {
      const e = this.parse(line);
      if (!e) continue;
      this.index.note(e.seq, line.offset);
      return e;
    }
    return undefined;
  }

  private parse(line: RawLine): LedgerEvent | null {
    const parsed = parseLine(line.bytes);
    if (parsed === null) return null;
    if ("event" in parsed) return parsed.event;
    const info = { path: this.path, offset: line.offset, bytes: line.bytes.length };
    this.onCorrupt({ ...info, preview: preview(line.bytes), reason: parsed.error });
    return null;
  }
}
