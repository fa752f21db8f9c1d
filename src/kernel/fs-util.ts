import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0644; state and secrets use 0600). */
  mode?: number;
  /** fsync the temp file before the rename, so the new content survives a power cut. */
  fsync?: boolean;
}

/** A unique temp name in the same directory (same file system, so the rename is atomic). */
function tempPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/**
 * Remove the temp files an atomic write of `path` left behind when its process was killed between
 * creating the temp file and the rename (SIGKILL, power cut). Only files of another process: one of
 * ours may be mid-write. Best effort; called where a component opens its file.
 */
export function removeStaleTemps(path: string): void {
  const prefix = `${basename(path)}.`;
  const own = `${prefix}${process.pid}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names)
    if (
      name.startsWith(prefix) &&
      name.endsWith(".tmp") &&
      !name.startsWith(own) &&
      /^\d+\.[0-9a-f]+\.tmp$/.test(name.slice(prefix.length))
    )
      rmSync(join(dirname(path), name), { force: true });
}

/**
 * Write a file atomically: a temp file beside it, then rename over the target, so a reader sees the
 * old content or the new one, never a torn file. The one atomic-write helper of the code base
 * (kernel, daemon and the IM transport kit use it); a failed write leaves no temp file behind.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  options: AtomicWriteOptions | number = {},
): Promise<void> {
  const { mode = 0o644, fsync = false } = typeof options === "number" ? { mode: options } : options;
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  try {
    const handle = await open(tmp, "w", mode);
    try {
      await handle.writeFile(data);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** `writeFileAtomic` for synchronous callers (journal compaction, small caches). */
export function writeFileAtomicSync(
  path: string,
  data: string | Buffer,
  options: AtomicWriteOptions = {},
): void {
  const { mode = 0o644, fsync = false } = options;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  try {
    const fd = openSync(tmp, "w", mode);
    try {
      if (data.length > 0) writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
      if (fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Read a file, or undefined when it does not exist. Other errors propagate. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
