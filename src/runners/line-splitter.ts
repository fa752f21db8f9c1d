/**
 * Splits a child's stdout into lines. UTF-8 is decoded across chunk boundaries (a Chinese character
 * split between two reads stays whole); a line that grows past `maxChars` without a newline is dropped
 * and reported, so a runaway CLI cannot grow the buffer without bound.
 */

import { StringDecoder } from "node:string_decoder";

export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private buffer = "";

  constructor(private readonly maxChars = 16 * 1024 * 1024) {}

  /** The complete lines in `chunk` (without the newline); `overflow` when a partial line was dropped. */
  push(chunk: Buffer): { lines: string[]; overflow: boolean } {
    this.buffer += this.decoder.write(chunk);
    const parts = this.buffer.split("\n");
    this.buffer = parts.pop() ?? "";
    if (this.buffer.length <= this.maxChars) return { lines: parts, overflow: false };
    this.buffer = "";
    return { lines: parts, overflow: true };
  }
}
