/**
 * Open-time repair of a torn last line. A crash during a write can leave the file ending without
 * `\n`; those bytes were never acknowledged (the append's promise resolves only after the write and
 * fdatasync). We never glue a new line onto them: they are saved to a sibling repair log, then the file
 * is truncated to just after its last `\n`. Never silent: the log keeps the exact bytes.
 */

import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { NEWLINE, readAt } from "./ledger-lines.js";

const BLOCK = 64 * 1024;

/** `…/ledger.jsonl` → `…/ledger.repair.log`. */
export function repairLogPath(ledgerPath: string): string {
  const base = basename(ledgerPath).replace(/\.jsonl$/, "");
  return join(dirname(ledgerPath), `${base}.repair.log`);
}

/** Returns the file size after repair (unchanged when the file ends in `\n` or is empty). */
export async function repairTornTail(
  fh: FileHandle,
  ledgerPath: string,
  size: number,
  warn: (message: string) => void,
): Promise<number> {
  if (size === 0) return 0;
  const last = await readAt(fh, size - 1, 1);
  if (last[0] === NEWLINE) return size;

  let keep = 0;
  for (let pos = size; pos > 0; ) {
    const from = Math.max(0, pos - BLOCK);
    const i = (await readAt(fh, from, pos - from)).lastIndexOf(NEWLINE);
    if (i >= 0) {
      keep = from + i + 1;
      break;
    }
    pos = from;
  }

  const dropped = await readAt(fh, keep, size - keep);
  const logPath = repairLogPath(ledgerPath);
  const note = {
    ts: new Date().toISOString(),
    action: "truncated_torn_last_line",
    ledger: ledgerPath,
    offset: keep,
    bytes: dropped.length,
    dropped_text: dropped.toString("utf8"),
    dropped_base64: dropped.toString("base64"),
  };
  // The note is durable before the bytes are removed from the ledger.
  const log = await open(logPath, "a");
  try {
    await log.write(`${JSON.stringify(note)}\n`);
    await log.datasync();
  } finally {
    await log.close();
  }
  await fh.truncate(keep);
  await fh.datasync();
  warn(
    `Ledger ${ledgerPath}: removed a torn last line (${dropped.length} bytes at offset ${keep}, ` +
      `never acknowledged); the bytes are saved in ${logPath}.`,
  );
  return keep;
}
