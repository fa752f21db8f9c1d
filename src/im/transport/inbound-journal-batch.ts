/**
 * The lines queued for the inbound journal's next group commit (inbound-journal.ts), and writing
 * them. A line is a string, or a frame line: a platform frame's bytes as they came off the socket
 * between a short prefix and suffix (`inFrameLine`), so a burst's frames are neither re-encoded nor
 * copied into one big string; the batch goes out in one `writev`.
 */
import { write, writeSync, writev, writevSync } from "node:fs";

/** What one commit writes: one string, or buffers for `writev`; `size` counts the compaction accounting. */
export interface BatchData {
  payload: string | Buffer[];
  /** UTF-16 units of the strings plus bytes of the frames (the journal compares it with its live lines). */
  size: number;
  lines: number;
}

export class LineQueue {
  private parts: (string | Buffer)[] = [];
  private lines = 0;
  private frames = 0;

  get length(): number {
    return this.lines;
  }

  push(line: string): void {
    this.parts.push(line);
    this.lines++;
  }

  /** One line: `prefix`, the frame's bytes, `suffix` (the caller checked they hold no newline). */
  pushFrame(prefix: string, frame: Buffer, suffix: string): void {
    this.parts.push(prefix, frame, suffix);
    this.lines++;
    this.frames++;
  }

  /** Everything queued, emptied. Strings between frames are joined and encoded once. */
  take(): BatchData {
    const { parts, lines, frames } = this;
    this.parts = [];
    this.lines = this.frames = 0;
    if (frames === 0) {
      const text = parts.join("");
      return { payload: text, size: text.length, lines };
    }
    const payload: Buffer[] = [];
    let size = 0;
    let text = "";
    for (const part of parts) {
      if (typeof part === "string") {
        text += part;
        continue;
      }
      if (text) {
        payload.push(Buffer.from(text, "utf8"));
        size += text.length;
        text = "";
      }
      payload.push(part);
      size += part.length;
    }
    if (text) {
      payload.push(Buffer.from(text, "utf8"));
      size += text.length;
    }
    return { payload, size, lines };
  }
}

/** Write a batch at the end of `fd` (opened for append). A string is encoded by node straight into the write. */
export function writeBatch(fd: number, payload: string | Buffer[], done: (err: Error | null) => void): void {
  if (typeof payload === "string") write(fd, payload, null, "utf8", (err) => done(err));
  else writev(fd, payload, (err) => done(err));
}

export function writeBatchSync(fd: number, payload: string | Buffer[]): void {
  if (typeof payload === "string") writeSync(fd, payload, null, "utf8");
  else writevSync(fd, payload);
}

/** The entries of one group commit: one promise for all of them (not one per entry). */
export interface Batch {
  ids: string[];
  durable: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

export function newBatch(): Batch {
  const batch = { ids: [] as string[] } as unknown as Batch;
  batch.durable = new Promise<void>((resolve, reject) => {
    batch.resolve = resolve;
    batch.reject = reject;
  });
  batch.durable.catch(() => {}); // the callers handle it; never an unhandled rejection
  return batch;
}
