import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileDedupe, MIN_FOLD_LINES } from "../../../src/im/transport/dedupe-store.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cccc-dedupe-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("FileDedupe: record on receipt (has + add)", () => {
  it("survives a restart and keeps only the last N ids", () => {
    const file = join(dir, "state", "dedupe.json");
    const a = new FileDedupe(file, { limit: 3 });
    for (const id of ["m1", "m2", "m3", "m4"]) a.add(id);
    a.flush(); // what the tick after the adds writes
    const b = new FileDedupe(file, { limit: 3 });
    expect(["m1", "m2", "m3", "m4"].map((id) => b.has(id))).toEqual([false, true, true, true]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ v: 1, ids: ["m2", "m3", "m4"] });
    expect(readdirSync(join(dir, "state"))).toEqual(["dedupe.json"]); // no temp files left
  });

  it("removes the temp file of a compaction killed before its rename, not one of its own process", () => {
    const file = join(dir, "dedupe.json");
    const stale = `${file}.999999.0a1b2c3d.tmp`;
    const ours = `${file}.${process.pid}.0a1b2c3d.tmp`;
    const other = join(dir, "other.json.999999.0a1b2c3d.tmp");
    for (const f of [stale, ours, other]) writeFileSync(f, "{");
    new FileDedupe(file, { limit: 3 }).close();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(ours)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it("sets a corrupt file aside with a log line instead of failing", () => {
    const file = join(dir, "dedupe.json");
    writeFileSync(file, "{torn");
    const lines: string[] = [];
    const d = new FileDedupe(file, { limit: 10, log: (l) => lines.push(l) });
    expect(d.has("x")).toBe(false);
    expect(lines[0]).toContain("corrupt");
    expect(existsSync(file)).toBe(false);
    d.add("x");
    d.flush();
    expect(new FileDedupe(file).has("x")).toBe(true);
  });

  it("appends an id per add instead of rewriting the file, and folds the log in when it is full", () => {
    const file = join(dir, "dedupe.json");
    const d = new FileDedupe(file, { limit: 100 }); // a small store folds after MIN_FOLD_LINES lines
    for (let i = 0; i < MIN_FOLD_LINES - 1; i++) {
      d.add(`m${i}`);
      d.flush();
    }
    expect(existsSync(file)).toBe(false); // no snapshot rewritten yet
    const logged = readFileSync(`${file}.log`, "utf8").split("\n").filter(Boolean);
    expect(logged).toHaveLength(MIN_FOLD_LINES - 1);
    const last = MIN_FOLD_LINES - 1;
    d.add(`m${last}`); // the log is full: folded into the snapshot, which keeps the newest `limit`
    d.flush();
    expect(existsSync(`${file}.log`)).toBe(false);
    const ids = (JSON.parse(readFileSync(file, "utf8")) as { ids: string[] }).ids;
    expect([ids.length, ids[0], ids[99]]).toEqual([100, `m${last - 99}`, `m${last}`]);
    d.add("new");
    d.close();
    const again = new FileDedupe(file, { limit: 100 });
    expect([again.has(`m${last - 100}`), again.has(`m${last - 98}`), again.has("new")]).toEqual([
      false,
      true,
      true,
    ]);
    again.close();
  });

  it("replays a log longer than its limit on open: only the newest `limit` ids are kept", () => {
    const file = join(dir, "long-log.json");
    const d = new FileDedupe(file, { limit: 10 });
    for (let i = 0; i < 25; i++) d.add(`x${i}`);
    d.close();
    expect(readFileSync(`${file}.log`, "utf8").split("\n").filter(Boolean)).toHaveLength(25);
    const again = new FileDedupe(file, { limit: 10 });
    expect([again.size, again.has("x14"), again.has("x15"), again.has("x24")]).toEqual([
      10,
      false,
      true,
      true,
    ]);
    again.close();
  });
});

describe("FileDedupe: one append per tick", () => {
  it("writes the ids added in one tick with one write after it; close writes at once", async () => {
    const file = join(dir, "tick.json");
    const d = new FileDedupe(file, { limit: 1000 });
    for (let i = 0; i < 50; i++) d.add(`t${i}`);
    expect(d.stats.writes).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(d.stats.writes).toBe(1);
    expect(readFileSync(`${file}.log`, "utf8").split("\n").filter(Boolean)).toHaveLength(50);
    d.add("t50");
    d.close(); // not waiting for the tick
    expect(d.stats.writes).toBe(2);
    const again = new FileDedupe(file, { limit: 1000 });
    expect([again.has("t0"), again.has("t49"), again.has("t50")]).toEqual([true, true, true]);
    again.close();
  });

  it("ignores a log a compaction was killed before removing (its ids are in the snapshot or evicted)", () => {
    // A tick's ids go to the snapshot with the log's: the log then holds ids older than the snapshot.
    const file = join(dir, "torn-compaction.json");
    writeFileSync(file, JSON.stringify({ v: 1, ids: ["b", "c", "d"] }));
    writeFileSync(`${file}.log`, '"a"\n"b"\n"c"\n');
    const d = new FileDedupe(file, { limit: 3 });
    expect(["a", "b", "c", "d"].map((id) => d.has(id))).toEqual([false, true, true, true]);
    d.close();
  });
});

describe("FileDedupe: claim, then record once handled", () => {
  it("a claim is seen at once but only a recorded id survives a restart; a release frees it", () => {
    const file = join(dir, "recent.json");
    const d = new FileDedupe(file, { limit: 10 });
    expect(d.claim("a")).toBe(true);
    expect(d.claim("a")).toBe(false); // a second copy while the first is handled
    expect(d.has("a")).toBe(true);
    expect(d.claim("b")).toBe(true);
    expect(d.claim("c")).toBe(true);
    d.release("c"); // its handling failed: a redelivery must be accepted
    expect(d.claim("c")).toBe(true);
    d.add("a");
    d.close();
    const again = new FileDedupe(file, { limit: 10 });
    expect([again.has("a"), again.has("b"), again.has("c")]).toEqual([true, false, false]);
    expect(again.claim("a")).toBe(false);
    again.close();
  });

  it("never evicts a claim: only recorded ids count against the limit", () => {
    const d = new FileDedupe(join(dir, "recent.json"), { limit: 2 });
    expect(d.claim("busy")).toBe(true);
    for (const id of ["x", "y", "z"]) d.add(id);
    expect([d.has("busy"), d.has("x"), d.has("y"), d.has("z")]).toEqual([true, false, true, true]);
    d.close();
  });

  it("with maxAgeMs forgets ids older than it silently and reports only live ids evicted", () => {
    const file = join(dir, "replay.json");
    let now = 1_000_000;
    const evicted: number[] = [];
    const opts = { limit: 3, maxAgeMs: 60_000, now: () => now, onEvict: (n: number) => evicted.push(n) };
    const d = new FileDedupe(file, opts);
    d.add("old", now - 120_000); // already outside the window: not kept
    expect(d.has("old")).toBe(false);
    d.add("a", now - 59_000);
    for (const id of ["b", "c"]) d.add(id, now);
    expect(evicted).toEqual([]);
    d.add("d", now);
    expect(evicted).toEqual([1]); // "a" was still within the window
    now += 30_000; // "a" would have expired by now; b, c, d have not
    d.close();
    const again = new FileDedupe(file, opts);
    expect(["a", "b", "c", "d"].map((id) => again.has(id))).toEqual([false, true, true, true]);
    now += 61_000;
    again.close();
    const later = new FileDedupe(file, opts);
    expect(later.size).toBe(0); // every id aged out, dropped on open
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ v: 1, ids: [], at: [] });
  });

  it("throws the caller's error for a corrupt snapshot and leaves the file where it is", () => {
    const file = join(dir, "recent.json");
    writeFileSync(file, "{torn");
    expect(() => new FileDedupe(file, { corrupt: (p, why) => new Error(`bad ${p}: ${why}`) })).toThrow(
      /bad .*recent\.json: invalid JSON/,
    );
    expect(readFileSync(file, "utf8")).toBe("{torn");
  });

  it("reads the files older versions wrote: a bare id array, {used: [[id, at]]}, a plain-line log", () => {
    writeFileSync(join(dir, "a.json"), JSON.stringify(["c1:m1", "c1:m2"]));
    expect(new FileDedupe(join(dir, "a.json")).has("c1:m2")).toBe(true);
    const now = Date.now();
    writeFileSync(
      join(dir, "b.json"),
      JSON.stringify({
        v: 1,
        used: [
          ["h2", now],
          ["h1", now - 5],
        ],
      }),
    );
    const b = new FileDedupe(join(dir, "b.json"), { maxAgeMs: 60_000 });
    expect([b.has("h1"), b.has("h2")]).toEqual([true, true]);
    writeFileSync(join(dir, "c.json.log"), "msgA==\nmsgB==\n");
    const c = new FileDedupe(join(dir, "c.json"));
    expect([c.has("msgA=="), c.has("msgB==")]).toEqual([true, true]);
  });

  it("keeps an id holding a newline or a quote exactly", () => {
    const file = join(dir, "odd.json");
    const d = new FileDedupe(file);
    d.add('a\nb"c');
    d.close();
    expect(new FileDedupe(file).has('a\nb"c')).toBe(true);
  });
});
