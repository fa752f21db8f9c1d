/**
 * The files of the durable dedupe store (dedupe-store.ts): a snapshot plus an append-only log.
 *
 * - Snapshot `<path>`: `{"v":1,"ids":[…]}`, with `"at":[…]` (ms epoch, one per id) when the store
 *   keeps times. Older layouts are read too, so an upgrade keeps what they hold: a bare array of ids
 *   (the bridge's `recent-message-ids.json`) and `{"v":1,"used":[[id, at], …]}` (the webhook replay
 *   file).
 * - Log `<path>.log`: one JSON line per id, `"id"` or `["id", at]`. A line that is not JSON is a bare
 *   id (the log of older versions). A torn last line (a crash mid-append) becomes an id that never
 *   matches: harmless, it ages out.
 */
import { readFileSync } from "node:fs";

export interface DedupeEntry {
  id: string;
  /** When the id was recorded, or the time it stands for (a signed request's timestamp). */
  at?: number;
}

/** Why a snapshot could not be read: for the store's corrupt-file handling. */
export class SnapshotError extends Error {}

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** The entries of a snapshot, oldest first. Throws `SnapshotError` when it is not one. */
export function parseSnapshot(text: string): DedupeEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`invalid JSON (${(err as Error).message})`);
  }
  if (Array.isArray(value)) return strings(value).map((id) => ({ id }));
  if (!value || typeof value !== "object") throw new SnapshotError("not an object");
  const { ids, at, used } = value as { ids?: unknown; at?: unknown; used?: unknown };
  if (Array.isArray(ids)) {
    const times = Array.isArray(at) ? at : [];
    return strings(ids).map((id, i) => withAt(id, times[i]));
  }
  if (Array.isArray(used)) {
    const entries: DedupeEntry[] = [];
    for (const e of used) if (Array.isArray(e) && typeof e[0] === "string") entries.push(withAt(e[0], e[1]));
    return entries.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  }
  throw new SnapshotError("missing ids array");
}

export function formatSnapshot(entries: DedupeEntry[], timed: boolean): string {
  const body: { v: 1; ids: string[]; at?: number[] } = { v: 1, ids: entries.map((e) => e.id) };
  if (timed) body.at = entries.map((e) => e.at ?? 0);
  return `${JSON.stringify(body)}\n`;
}

export function parseLog(text: string): DedupeEntry[] {
  const entries: DedupeEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      entries.push({ id: line });
      continue;
    }
    if (typeof value === "string") entries.push({ id: value });
    else if (Array.isArray(value) && typeof value[0] === "string") entries.push(withAt(value[0], value[1]));
    else entries.push({ id: line });
  }
  return entries;
}

export function formatLogLine(entry: DedupeEntry): string {
  return `${JSON.stringify(entry.at === undefined ? entry.id : [entry.id, entry.at])}\n`;
}

function strings(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === "string");
}

function withAt(id: string, at: unknown): DedupeEntry {
  return typeof at === "number" ? { id, at } : { id };
}
