import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileDedupe } from "../../../src/im/transport/seen-ids.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cccc-dedupe-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("FileDedupe", () => {
  it("survives a restart and keeps only the last N ids", () => {
    const file = join(dir, "state", "dedupe.json");
    const a = new FileDedupe(file, 3);
    for (const id of ["m1", "m2", "m3", "m4"]) a.add(id);
    const b = new FileDedupe(file, 3);
    expect(["m1", "m2", "m3", "m4"].map((id) => b.has(id))).toEqual([false, true, true, true]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ v: 1, ids: ["m2", "m3", "m4"] });
    expect(readdirSync(join(dir, "state"))).toEqual(["dedupe.json"]); // no temp files left
  });

  it("sets a corrupt file aside with a log line instead of failing", () => {
    const file = join(dir, "dedupe.json");
    writeFileSync(file, "{torn");
    const lines: string[] = [];
    const d = new FileDedupe(file, 10, (l) => lines.push(l));
    expect(d.has("x")).toBe(false);
    expect(lines[0]).toContain("corrupt");
    expect(existsSync(file)).toBe(false);
    d.add("x");
    expect(new FileDedupe(file).has("x")).toBe(true);
  });

  it("appends an id per add instead of rewriting the file, and folds the log in when it is full", () => {
    const file = join(dir, "dedupe.json");
    const d = new FileDedupe(file, 100);
    for (let i = 0; i < 99; i++) d.add(`m${i}`);
    expect(existsSync(file)).toBe(false); // no snapshot rewritten yet
    expect(readFileSync(`${file}.log`, "utf8").split("\n").filter(Boolean)).toHaveLength(99);
    d.add("m99"); // the log holds `limit` lines: folded into the snapshot
    expect(existsSync(`${file}.log`)).toBe(false);
    expect((JSON.parse(readFileSync(file, "utf8")) as { ids: string[] }).ids).toHaveLength(100);
    d.add("m100");
    d.close();
    const again = new FileDedupe(file, 100);
    expect([again.has("m0"), again.has("m1"), again.has("m100")]).toEqual([false, true, true]);
    again.close();
  });
});
