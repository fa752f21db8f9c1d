/** Reading and rewriting the inbound journal file (inbound-journal.ts): JSON lines, whole-file ops. */
import { readFileSync } from "node:fs";
import { writeFileAtomicSync } from "../../kernel/fs-util.js";

export interface JournalEntry {
  id: string;
  /** The callback's `data` exactly as received (a JSON string). */
  data: string;
  at: number;
}

/** An entry with its "in" line as it is in the file (newline included) and that line's size. */
export type JournalLine = JournalEntry & { line: string; bytes: number };

/** Entries with an "in" line and no "done" line, oldest first. */
export function readJournal(path: string): {
  entries: JournalLine[];
  skipped: number;
} {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], skipped: 0 };
    throw err;
  }
  const open = new Map<string, JournalLine>();
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let rec: { t?: unknown; id?: unknown; data?: unknown; at?: unknown };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      skipped++; // a torn last line from a crash mid-write
      continue;
    }
    if (typeof rec.id !== "string") {
      skipped++;
      continue;
    }
    if (rec.t === "in" && typeof rec.data === "string") {
      const at = typeof rec.at === "number" ? rec.at : 0;
      const text = `${line}\n`;
      open.set(rec.id, { id: rec.id, data: rec.data, at, line: text, bytes: Buffer.byteLength(text) });
    } else if (rec.t === "done") {
      open.delete(rec.id);
    } else skipped++;
  }
  return { entries: [...open.values()], skipped };
}

/** The "in" line of an entry (newline included). */
export function inLine(e: JournalEntry): string {
  return `${JSON.stringify({ t: "in", id: e.id, data: e.data, at: e.at })}\n`;
}

/**
 * Replace the file with these entries' "in" lines (temp + fsync + rename); returns its size. An
 * entry's `line`, when given, is written as is (the bytes appended before: no second escaping of
 * its data).
 */
export function writeJournal(path: string, entries: Iterable<JournalEntry & { line?: string }>): number {
  let body = "";
  for (const e of entries) body += e.line ?? inLine(e);
  writeFileAtomicSync(path, body, { mode: 0o600, fsync: true });
  return Buffer.byteLength(body);
}
