/** A fixed-size ring buffer of terminal output addressed by a monotonic byte cursor. */

export const DEFAULT_SCROLLBACK_BYTES = 2 * 1024 * 1024;

export interface ScrollbackRead {
  data: Buffer;
  /** Cursor of the first returned byte (greater than requested when older bytes were dropped). */
  from: number;
  /** Cursor after the last returned byte; pass it to the next `read`. */
  cursor: number;
  /** True when bytes between the requested cursor and `from` are no longer retained. */
  truncated: boolean;
}

export class Scrollback {
  private readonly buf: Buffer;
  private end = 0;

  constructor(readonly capacity = DEFAULT_SCROLLBACK_BYTES) {
    if (capacity <= 0) throw new RangeError("scrollback capacity must be positive");
    this.buf = Buffer.alloc(capacity);
  }

  /** Total bytes ever appended: the cursor just past the newest byte. */
  get cursor(): number {
    return this.end;
  }

  /** Cursor of the oldest byte still retained. */
  get start(): number {
    return Math.max(0, this.end - this.capacity);
  }

  append(chunk: Buffer | string): void {
    let data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (data.length === 0) return;
    if (data.length > this.capacity) {
      this.end += data.length - this.capacity;
      data = data.subarray(data.length - this.capacity);
    }
    const pos = this.end % this.capacity;
    const first = Math.min(data.length, this.capacity - pos);
    data.copy(this.buf, pos, 0, first);
    if (first < data.length) data.copy(this.buf, 0, first);
    this.end += data.length;
  }

  /** Bytes from `from` (default: the oldest retained) up to now. */
  read(from = 0): ScrollbackRead {
    const start = Math.min(Math.max(from, this.start), this.end);
    const length = this.end - start;
    const out = Buffer.alloc(length);
    const pos = start % this.capacity;
    const first = Math.min(length, this.capacity - pos);
    this.buf.copy(out, 0, pos, pos + first);
    if (first < length) this.buf.copy(out, first, 0, length - first);
    return { data: out, from: start, cursor: this.end, truncated: start > from };
  }
}
