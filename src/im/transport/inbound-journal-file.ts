/**
 * Reading and rewriting the inbound journal file (inbound-journal.ts): JSON lines, whole-file ops.
 *
 * An "in" line holds the callback's data one of three ways:
 * - in its frame, `{"t":"in","id":…,"at":…,"f":<frame>}`: the bytes of the platform frame the data
 *   came in (a JSON object whose `data` member is the data), as received: the burst path, nothing
 *   re-encoded;
 * - verbatim, `{"t":"in","id":…,"at":…,"d":<data>}`: data the caller parsed as JSON (so it is one
 *   JSON value) with no newline in it is embedded as is, not escaped into a string (no second
 *   encoding of every frame; read back byte for byte by slicing the line);
 * - escaped, `{"t":"in","id":…,"data":"<data>","at":…}`: any other data, and every line written
 *   before the verbatim form existed (still read: a journal from an older version replays).
 */
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

const VERBATIM_KEY = ',"d":';

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
    let rec: { t?: unknown; id?: unknown; data?: unknown; d?: unknown; f?: unknown; at?: unknown };
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
    const data = rec.t === "in" ? dataOf(line, rec) : undefined;
    if (data !== undefined) {
      const at = typeof rec.at === "number" ? rec.at : 0;
      const text = `${line}\n`;
      open.set(rec.id, { id: rec.id, data, at, line: text, bytes: text.length });
    } else if (rec.t === "done") {
      open.delete(rec.id);
    } else skipped++;
  }
  return { entries: [...open.values()], skipped };
}

/** The data of an "in" line: the escaped string, the frame's data, or the verbatim value's text as written. */
function dataOf(line: string, rec: { data?: unknown; d?: unknown; f?: unknown }): string | undefined {
  if (typeof rec.data === "string") return rec.data;
  if (typeof rec.f === "object" && rec.f !== null) {
    // As the frame decoder reads `data` (frame.ts): a string as is, an object as its JSON, none: {}.
    const data = (rec.f as { data?: unknown }).data;
    if (typeof data === "string") return data;
    if (data === undefined || data === null) return "{}";
    return typeof data === "object" ? JSON.stringify(data) : undefined;
  }
  if (rec.d === undefined) return undefined;
  // `"d"` is written last and `,"d":` cannot occur inside the JSON strings before it (their quotes
  // are escaped), so its first occurrence starts the value. Parsed already: the line is whole.
  const at = line.indexOf(VERBATIM_KEY);
  const end = line.trimEnd();
  return at > 0 && end.endsWith("}") ? end.slice(at + VERBATIM_KEY.length, -1) : JSON.stringify(rec.d);
}

/** The text around a frame's bytes in its "in" line (newline included). */
export function frameLine(id: string, at: number): [prefix: string, suffix: string] {
  return [`{"t":"in","id":${JSON.stringify(id)},"at":${at},"f":`, "}\n"];
}

/**
 * The "in" line of an entry (newline included). `json`: the caller parsed `data` as JSON, so it
 * is stored verbatim when it has no newline (the line stays one line).
 */
export function inLine(e: JournalEntry, json = false): string {
  if (json && !e.data.includes("\n"))
    return `{"t":"in","id":${JSON.stringify(e.id)},"at":${e.at}${VERBATIM_KEY}${e.data}}\n`;
  return `${JSON.stringify({ t: "in", id: e.id, data: e.data, at: e.at })}\n`;
}

/**
 * Replace the file with these entries' "in" lines (temp + fsync + rename); returns its size in
 * UTF-16 units (the journal's compaction accounting counts lines by their length). An entry's
 * `line`, when given, is written as is (the bytes appended before: no second encoding).
 */
export function writeJournal(
  path: string,
  entries: Iterable<JournalEntry & { line?: string; json?: boolean }>,
): number {
  let body = "";
  for (const e of entries) body += e.line ?? inLine(e, e.json);
  writeFileAtomicSync(path, body, { mode: 0o600, fsync: true });
  return body.length;
}
