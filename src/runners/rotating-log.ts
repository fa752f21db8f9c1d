/** An append-only log file with a size cap: `<log>` rotates to `<log>.1` (… `<log>.N`) when full. */

import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 1;

/** `CCCC_ACTOR_LOG_MAX_BYTES` / `CCCC_ACTOR_LOG_KEEP` override the defaults (tests, small disks). */
export function logLimitsFromEnv(env: NodeJS.ProcessEnv): { maxBytes?: number; keep?: number } {
  const max = Number(env.CCCC_ACTOR_LOG_MAX_BYTES);
  const keep = Number(env.CCCC_ACTOR_LOG_KEEP);
  return {
    ...(Number.isInteger(max) && max > 0 ? { maxBytes: max } : {}),
    ...(env.CCCC_ACTOR_LOG_KEEP !== undefined && Number.isInteger(keep) && keep >= 0 ? { keep } : {}),
  };
}

export interface RotatingLogOptions {
  /** The current file; older ones are `<path>.1` (newest) … `<path>.<keep>`. */
  path: string;
  /** No file grows past this (default 10 MiB). */
  maxBytes?: number;
  /** How many rotated files to keep (default 1, so at most `2 × maxBytes` on disk). */
  keep?: number;
}

/**
 * Synchronous appends, so every byte is on disk (in the page cache) in order and the size bound is
 * exact: a write that would pass `maxBytes` first rotates. A chunk bigger than the cap is cut into
 * cap-sized pieces. Readers that follow the file see it shrink at a rotation (docs/runners.md).
 */
export class RotatingLog {
  private fd: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(private readonly opts: RotatingLogOptions) {
    this.maxBytes = Math.max(1, opts.maxBytes ?? DEFAULT_LOG_MAX_BYTES);
    this.keep = Math.max(0, opts.keep ?? DEFAULT_LOG_KEEP);
  }

  get path(): string {
    return this.opts.path;
  }

  /** Open for appending (creating the directory), continuing an existing file's size. */
  open(): void {
    if (this.fd !== undefined) return;
    mkdirSync(dirname(this.opts.path), { recursive: true });
    this.fd = openSync(this.opts.path, "a", 0o600);
    this.size = statSync(this.opts.path).size;
    if (this.size >= this.maxBytes) this.rotate();
  }

  write(chunk: Buffer): void {
    if (this.fd === undefined) this.open();
    let rest = chunk;
    while (rest.length > 0) {
      if (this.size >= this.maxBytes) this.rotate();
      const piece = rest.subarray(0, this.maxBytes - this.size);
      writeSync(this.fd as number, piece);
      this.size += piece.length;
      rest = rest.subarray(piece.length);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private rotate(): void {
    this.close();
    const base = this.opts.path;
    if (this.keep === 0) rmSync(base, { force: true });
    else {
      rmSync(`${base}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) renameIfExists(`${base}.${i}`, `${base}.${i + 1}`);
      renameIfExists(base, `${base}.1`);
    }
    this.fd = openSync(base, "a", 0o600);
    this.size = 0;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
