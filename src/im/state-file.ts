import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../kernel/fs-util.js";
import { ImError } from "./bridge-errors.js";

/**
 * Read a JSON state file. Missing → `fallback`. Unreadable or not the expected shape → a clear
 * `im_state_corrupt` error naming the file (never a silent reset of user data).
 */
export async function readJsonFile<T>(
  path: string,
  fallback: T,
  check: (value: unknown) => value is T,
): Promise<T> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw new ImError(
      "im_state_corrupt",
      `Cannot read IM state file ${path}: ${(error as Error).message}`,
      500,
      {
        path,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw corruptStateError(path, `invalid JSON (${(error as Error).message})`);
  }
  if (!check(value)) throw corruptStateError(path, "unexpected content");
  return value;
}

/** The `im_state_corrupt` error for a state file (also used by the dedupe stores over state files). */
export function corruptStateError(path: string, why: string): ImError {
  return new ImError(
    "im_state_corrupt",
    `IM state file ${path} is corrupt: ${why}. Fix or move the file away, then restart the bridge (moving it loses what it holds).`,
    500,
    { path },
  );
}

/** Write JSON atomically: a unique temp file in the same directory, then rename over the target. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  try {
    await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    throw new ImError(
      "im_state_write_failed",
      `Cannot write IM state file ${path}: ${(error as Error).message}`,
      500,
      {
        path,
      },
    );
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
