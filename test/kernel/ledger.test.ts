import type { FileHandle } from "node:fs/promises";
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/kernel/errors.js";
import { type CorruptLine, Ledger, type LedgerOptions, newEventId } from "../../src/kernel/ledger.js";
import type { LedgerEvent } from "../../src/kernel/types.js";

let dir: string;
let file: string;
const opened: Ledger[] = [];
const warnings: string[] = [];

async function openLedger(opts: LedgerOptions = {}): Promise<Ledger> {
  const ledger = await Ledger.open(file, "g_test", { onWarning: (m) => warnings.push(m), ...opts });
  opened.push(ledger);
  return ledger;
}

async function lines(): Promise<string[]> {
  const text = await readFile(file, "utf8");
  expect(text.endsWith("\n") || text === "").toBe(true);
  return text.split("\n").filter((l) => l !== "");
}

async function fill(ledger: Ledger, n: number): Promise<LedgerEvent[]> {
  const items = Array.from({ length: n }, (_, i) => ({
    kind: "chat.message",
    by: "user",
    data: { text: `m${i}` },
  }));
  return ledger.appendMany(items);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cccc-ledger-"));
  file = join(dir, "ledger.jsonl");
  warnings.length = 0;
});

afterEach(async () => {
  for (const l of opened.splice(0)) await l.close();
  await rm(dir, { recursive: true, force: true });
});

describe("Ledger", () => {
  it("appends envelopes with consecutive seqs and reads them back", async () => {
    const ledger = await openLedger();
    expect(ledger.lastSeq()).toBe(0);
    expect(await ledger.read(0)).toEqual([]);
    const a = await ledger.append("chat.message", "user", { text: "hi", to: ["@foreman"] });
    const b = await ledger.append("system.notify", "system", { title: "t" });
    expect(a.seq).toBe(1);
    expect(b.seq).toBe(2);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.id).not.toBe(b.id);
    expect(ledger.lastSeq()).toBe(2);

    const raw = await lines();
    expect(raw).toHaveLength(2);
    expect(Object.keys(JSON.parse(raw[0] ?? "{}"))).toEqual([
      "v",
      "id",
      "seq",
      "ts",
      "kind",
      "group_id",
      "by",
      "data",
    ]);
    expect(JSON.parse(raw[0] ?? "{}")).toEqual(a);
    expect(a).toMatchObject({
      v: 1,
      group_id: "g_test",
      kind: "chat.message",
      by: "user",
      data: { text: "hi" },
    });
    expect(new Date(a.ts).toISOString()).toBe(a.ts);

    expect(await ledger.read(0)).toEqual([a, b]);
    expect(await ledger.read(1)).toEqual([b]);
    expect(await ledger.read(2)).toEqual([]);
    expect(await ledger.read(0, 1)).toEqual([a]);
    expect(await ledger.tail(1)).toEqual([b]);
    expect(await ledger.tail(10)).toEqual([a, b]);
    const scanned: LedgerEvent[] = [];
    await ledger.scan((e) => scanned.push(e));
    expect(scanned).toEqual([a, b]);
  });

  it("newEventId is 32 lowercase hex", () => {
    expect(newEventId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("continues seq across close and reopen", async () => {
    let ledger = await openLedger();
    await fill(ledger, 5);
    await ledger.close();
    ledger = await openLedger();
    expect(ledger.lastSeq()).toBe(5);
    const e = await ledger.append("chat.message", "user", { text: "after" });
    expect(e.seq).toBe(6);
    expect((await ledger.read(0)).map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("refuses a second instance on the same file", async () => {
    await openLedger();
    await expect(Ledger.open(file, "g_test")).rejects.toMatchObject({ code: "ledger_already_open" });
  });

  it("repairs a torn last line on open and logs the dropped bytes", async () => {
    let ledger = await openLedger();
    await fill(ledger, 3);
    await ledger.close();
    const torn = '{"v":1,"id":"abc","seq":4,"ts":"2024';
    await appendFile(file, torn);

    ledger = await openLedger();
    expect(ledger.lastSeq()).toBe(3);
    expect(await lines()).toHaveLength(3);
    const log = (await readFile(join(dir, "ledger.repair.log"), "utf8")).trim().split("\n");
    expect(log).toHaveLength(1);
    const note = JSON.parse(log[0] ?? "{}");
    expect(note.dropped_text).toBe(torn);
    expect(Buffer.from(note.dropped_base64, "base64").toString()).toBe(torn);
    expect(warnings.some((w) => w.includes("torn"))).toBe(true);

    const e = await ledger.append("chat.message", "user", { text: "clean" });
    expect(e.seq).toBe(4);
    const raw = await lines();
    expect(raw).toHaveLength(4);
    expect(JSON.parse(raw[3] ?? "{}")).toEqual(e);
  });

  it("repairs a file that is one torn line with no newline at all", async () => {
    await writeFile(file, '{"v":1,"seq":1');
    const ledger = await openLedger();
    expect(ledger.lastSeq()).toBe(0);
    expect((await stat(file)).size).toBe(0);
    expect((await ledger.append("k.x", "user", {})).seq).toBe(1);
  });

  it("skips a corrupt middle line and reports it", async () => {
    let ledger = await openLedger();
    await fill(ledger, 2);
    await ledger.close();
    await appendFile(file, 'garbage{"v":1,"id":"x","se\n');
    const corrupt: CorruptLine[] = [];
    ledger = await openLedger({ onCorrupt: (c) => corrupt.push(c) });
    expect(corrupt).toHaveLength(1); // seen by the backwards read that finds the last seq
    expect(ledger.lastSeq()).toBe(2);
    await fill(ledger, 2);
    expect((await ledger.read(0)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(corrupt).toHaveLength(2);
    expect(corrupt[1]?.preview).toContain("garbage");
    expect(corrupt[1]?.offset).toBe(corrupt[0]?.offset);
    const scanned: number[] = [];
    await ledger.scan((e) => scanned.push(e.seq));
    expect(scanned).toEqual([1, 2, 3, 4]);
    expect((await ledger.tail(3)).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(corrupt).toHaveLength(4);
  });

  it("finds the last seq behind a corrupt last line", async () => {
    let ledger = await openLedger();
    await fill(ledger, 3);
    await ledger.close();
    await appendFile(file, "not json\n");
    ledger = await openLedger({ onCorrupt: () => {} });
    expect(ledger.lastSeq()).toBe(3);
    expect((await ledger.append("k.x", "user", {})).seq).toBe(4);
  });

  it("read(afterSeq) from any seq equals a filter of scan on a few-thousand-event file", async () => {
    let ledger = await openLedger({ durable: false });
    // Varying line sizes so seq and offset are not proportional.
    for (let i = 0; i < 30; i++) {
      await ledger.appendMany(
        Array.from({ length: 100 }, (_, j) => ({
          kind: "chat.message",
          by: "user",
          data: { text: "x".repeat(((i * 100 + j) * 37) % 900) },
        })),
      );
    }
    await ledger.close();
    ledger = await openLedger({ durable: false }); // fresh index: exercises the binary search
    const all: LedgerEvent[] = [];
    await ledger.scan((e) => all.push(e));
    expect(all).toHaveLength(3000);
    const fresh = await openLedgerCopy();
    for (const after of [0, 1, 2, 77, 999, 1000, 1500, 2345, 2998, 2999, 3000, 5000, -5]) {
      const want = all.filter((e) => e.seq > after).slice(0, 50);
      expect(await ledger.read(after, 50)).toEqual(want);
      expect(await fresh.read(after, 50)).toEqual(want);
    }
    expect(await ledger.read(0, 5000)).toEqual(all);
    expect(await ledger.tail(1234)).toEqual(all.slice(-1234));
  });

  it("read with maxBytes returns bounded pages that together are the whole ledger", async () => {
    const ledger = await openLedger({ durable: false });
    await ledger.appendMany(
      Array.from({ length: 300 }, (_, i) => ({
        kind: "chat.message",
        by: "user",
        data: { text: "y".repeat(i * 10) },
      })),
    );
    const pages: LedgerEvent[][] = [];
    for (let after = 0; ; ) {
      const page = await ledger.read(after, 1000, 8 * 1024);
      if (page.length === 0) break;
      pages.push(page);
      after = page[page.length - 1]?.seq ?? after;
    }
    expect(pages.flat().map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(pages.length).toBeGreaterThan(10);
    for (const page of pages) {
      const bytes = page.map((e) => JSON.stringify(e).length).reduce((a, b) => a + b, 0);
      expect(page.length === 1 || bytes - JSON.stringify(page[page.length - 1]).length < 8 * 1024).toBe(true);
    }
  });

  it("notifies subscribers in seq order after the event is durable", async () => {
    const ledger = await openLedger();
    const seen: number[] = [];
    const unsubscribe = ledger.subscribe((e) => {
      seen.push(e.seq);
      expect(ledger.lastSeq()).toBeGreaterThanOrEqual(e.seq);
    });
    await Promise.all([fill(ledger, 3), ledger.append("k.x", "user", {}), fill(ledger, 2)]);
    await ledger.append("k.y", "user", {});
    unsubscribe();
    await ledger.append("k.z", "user", {});
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("commits concurrent appends of one tick in one write with consecutive seqs", async () => {
    const ledger = await openLedger();
    const fh = (ledger as unknown as { fh: FileHandle }).fh;
    const seam = ledger as unknown as { writeAt(buf: Buffer, off: number): Promise<number> };
    const write = seam.writeAt.bind(ledger);
    const datasync = fh.datasync.bind(fh);
    let writes = 0;
    let syncs = 0;
    Object.assign(seam, {
      writeAt: (buf: Buffer, off: number) => {
        writes++;
        return write(buf, off);
      },
    });
    const poolWrite = fh.write.bind(fh) as (...args: unknown[]) => unknown;
    let poolWrites = 0;
    Object.assign(fh, {
      // A small batch is written synchronously: no thread-pool round trip before the fdatasync.
      write: (...args: unknown[]) => {
        poolWrites++;
        return poolWrite(...args);
      },
      datasync: () => {
        syncs++;
        return datasync();
      },
    });
    const events = await Promise.all(
      Array.from({ length: 200 }, (_, i) => ledger.append("chat.message", "user", { i })),
    );
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(events.map((e) => e.data.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(writes).toBe(1);
    expect(poolWrites).toBe(0);
    expect(syncs).toBe(1);
    expect(await lines()).toHaveLength(200);
  });

  it("rejects a failed batch, truncates the partial write and keeps seq consecutive", async () => {
    const ledger = await openLedger();
    await ledger.append("k.a", "user", {});
    // The ledger's one write seam (small batches go out with writeSync, big ones with fh.write).
    const seam = ledger as unknown as { writeAt(buf: Buffer, off: number): Promise<number> };
    const write = seam.writeAt;
    Object.assign(seam, {
      writeAt: async (buf: Buffer, off: number) => {
        // a torn write, then the disk fills up
        await write.call(ledger, buf.subarray(0, off + Math.floor((buf.length - off) / 2)), off);
        throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      },
    });
    const failing = [ledger.append("k.b", "user", {}), ledger.append("k.c", "user", {})];
    for (const p of failing) await expect(p).rejects.toMatchObject({ code: "ledger_write_failed" });
    Object.assign(seam, { writeAt: write });
    expect(ledger.lastSeq()).toBe(1);
    expect(await lines()).toHaveLength(1);
    const d = await ledger.append("k.d", "user", {});
    expect(d.seq).toBe(2);
    expect((await ledger.read(0)).map((e) => e.kind)).toEqual(["k.a", "k.d"]);
  });

  it("rejects oversize and invalid events without consuming a seq", async () => {
    const ledger = await openLedger();
    const big = ledger.append("chat.message", "user", { text: "x".repeat(256_001) });
    await expect(big).rejects.toBeInstanceOf(ValidationError);
    await expect(big).rejects.toMatchObject({ code: "message_too_large" });
    await expect(big).rejects.toThrow(/attachment/);
    await expect(ledger.append("", "user", {})).rejects.toBeInstanceOf(ValidationError);
    await expect(ledger.append("k.x", "user", { n: 1n } as Record<string, unknown>)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      ledger.appendMany([
        { kind: "k.ok", by: "user", data: {} },
        { kind: "k.big", by: "user", data: { text: "y".repeat(300_000) } },
      ]),
    ).rejects.toMatchObject({ code: "message_too_large" });
    const e = await ledger.append("k.x", "user", { text: "x".repeat(200_000) });
    expect(e.seq).toBe(1);
    expect(await lines()).toHaveLength(1);
  });

  it("close waits for queued appends; later calls are refused", async () => {
    const ledger = await openLedger();
    const p = fill(ledger, 10);
    await ledger.close();
    expect((await p).map((e) => e.seq)).toHaveLength(10);
    expect(await lines()).toHaveLength(10);
    await expect(ledger.append("k.x", "user", {})).rejects.toMatchObject({ code: "ledger_closed" });
    await expect(ledger.read(0)).rejects.toMatchObject({ code: "ledger_closed" });
  });
});

/** A second, independently opened ledger on a copy of the file (one instance per path). */
async function openLedgerCopy(): Promise<Ledger> {
  const copy = join(dir, "copy.jsonl");
  await writeFile(copy, await readFile(file));
  const ledger = await Ledger.open(copy, "g_test", { durable: false });
  opened.push(ledger);
  return ledger;
}
