import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "../../src/kernel/ledger.js";
import { DEFAULT_RECENT, RecentEvents } from "../../src/kernel/ledger-recent.js";
import type { LedgerEvent } from "../../src/kernel/types.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cccc-ledger-recent-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ev = (seq: number): LedgerEvent => ({
  v: 1,
  id: `id${seq}`,
  seq,
  ts: "2026-01-01T00:00:00.000Z",
  kind: "chat.message",
  group_id: "g",
  by: "user",
  data: {},
});

describe("RecentEvents", () => {
  it("keeps at most the configured events and bytes, contiguous and newest last", () => {
    const r = new RecentEvents({ events: 10, bytes: 1000 });
    for (let s = 1; s <= 1000; s++) r.add(ev(s), "", 50);
    expect(r.count).toBe(10);
    expect(r.read(990, 100, Number.POSITIVE_INFINITY)?.map((e) => e.seq)).toEqual([
      991, 992, 993, 994, 995, 996, 997, 998, 999, 1000,
    ]);
    expect(r.read(989, 100, Number.POSITIVE_INFINITY)).toBeUndefined(); // 990 is gone: the file has it
    for (let s = 1001; s <= 1003; s++) r.add(ev(s), "", 400);
    expect(r.keptBytes).toBeLessThanOrEqual(1000);
    expect(r.count).toBe(2);
    expect(r.read(1001, 100, Number.POSITIVE_INFINITY)?.map((e) => e.seq)).toEqual([1002, 1003]);
    expect(r.read(1000, 100, Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(r.read(1001, 100, 300)?.map((e) => e.seq)).toEqual([1002]); // maxBytes as Ledger.read
    expect(r.read(1003, 100, 300)).toEqual([]);
  });

  it("answers only what it holds whole: a gap in seqs starts over", () => {
    const r = new RecentEvents();
    r.add(ev(1), "", 10);
    r.add(ev(2), "", 10);
    r.add(ev(5), "", 10);
    expect(r.read(2, 10, Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(r.read(4, 10, Number.POSITIVE_INFINITY)?.map((e) => e.seq)).toEqual([5]);
    expect(r.read(Number.NaN, 10, Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe("Ledger reads served from memory", () => {
  it("equal the same reads from the file, across the edge of what memory keeps", async () => {
    const file = join(dir, "ledger.jsonl");
    const total = DEFAULT_RECENT.events * 3;
    const ledger = await Ledger.open(file, "g", { durable: false });
    const appended: LedgerEvent[] = [];
    for (let i = 0; i < total / 100; i++) {
      appended.push(
        ...(await ledger.appendMany(
          Array.from({ length: 100 }, (_, j) => ({
            kind: "chat.message",
            by: "user",
            data: { text: "z".repeat(((i * 100 + j) * 31) % 700) },
          })),
        )),
      );
    }
    const edge = total - DEFAULT_RECENT.events;
    const afters = [
      0,
      edge - 2,
      edge - 1,
      edge,
      edge + 1,
      total - 500,
      total - 2,
      total - 1,
      total,
      total + 9,
    ];
    const fromMemory = await Promise.all(afters.map((a) => ledger.read(a, 300, 64 * 1024)));
    await ledger.close();
    const reopened = await Ledger.open(file, "g", { durable: false }); // nothing in memory: the file
    try {
      for (const [i, after] of afters.entries()) {
        const fromFile = await reopened.read(after, 300, 64 * 1024);
        expect(fromMemory[i]).toEqual(fromFile);
        expect(fromFile).toEqual(appended.filter((e) => e.seq > after).slice(0, fromFile.length));
      }
    } finally {
      await reopened.close();
    }
  });

  it("lineOf gives an appended event's line in the file, equal to JSON.stringify of the event", async () => {
    const file = join(dir, "ledger.jsonl");
    const ledger = await Ledger.open(file, "g", { durable: false });
    const events = await ledger.appendMany([
      { kind: "chat.message", by: "user", data: { text: 'héllo \u2028 "q" 😀', to: ["@foreman"], n: -0 } },
      { kind: "system.notify", by: "system", data: { title: "t", nested: { a: [1, 2.5, null] } } },
    ]);
    const fileLines = (await readFile(file, "utf8")).trim().split("\n");
    for (const [i, e] of events.entries()) {
      expect(ledger.lineOf(e)).toBe(fileLines[i]);
      expect(ledger.lineOf(e)).toBe(JSON.stringify(e));
    }
    const [again] = await ledger.read(0, 1); // served from memory: the same object, the same line
    expect(again && ledger.lineOf(again)).toBe(fileLines[0]);
    await ledger.close();
    const reopened = await Ledger.open(file, "g", { durable: false });
    const [fromFile] = await reopened.read(0, 1);
    expect(fromFile && reopened.lineOf(fromFile)).toBeUndefined();
    await reopened.close();
  });
});
