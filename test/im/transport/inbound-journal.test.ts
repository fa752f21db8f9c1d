/**
 * The inbound journal's group commit (issue 12): every entry recorded in one burst is durable after
 * ONE write and ONE fdatasync, the file holds each exactly once, and a full journal refuses (the
 * Stream client then does not ack, so DingTalk redelivers) instead of forgetting an entry.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InboundJournal, JournalFullError } from "../../../src/im/transport/inbound-journal.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cccc-journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);

describe("InboundJournal group commit", () => {
  it("makes a burst durable with one fdatasync, each entry once, in order", async () => {
    const path = join(dir, "in.jsonl");
    const j = new InboundJournal(path);
    const recs = Array.from({ length: 1000 }, (_, i) => j.record(`m${i}`, `{"msgId":"m${i}"}`));
    expect(recs.every((r) => r.fresh)).toBe(true);
    await Promise.all(recs.map((r) => r.durable));
    expect(j.stats.fsyncs).toBe(1);
    const ids = lines(path).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(recs.map((_, i) => `m${i}`));
    // A redelivery of a pending id shares the first copy's commit and is not written again.
    const again = j.record("m7", '{"msgId":"m7"}');
    expect(again.fresh).toBe(false);
    await j.close();
    expect(lines(path)).toHaveLength(1000);
    expect(new InboundJournal(path).pending()).toHaveLength(1000);
  });

  it("batches what arrives while a commit is running into the next one", async () => {
    const j = new InboundJournal(join(dir, "in.jsonl"));
    const first = j.record("a", "{}");
    await new Promise((r) => setImmediate(r)); // the first batch is being written now
    const more = Array.from({ length: 200 }, (_, i) => j.record(`b${i}`, "{}"));
    await Promise.all([first.durable, ...more.map((r) => r.durable)]);
    expect(j.stats.fsyncs).toBeLessThanOrEqual(2);
    await j.close();
  });

  it("refuses beyond maxPending instead of forgetting an entry, and accepts again once some are done", async () => {
    const path = join(dir, "in.jsonl");
    const j = new InboundJournal(path, () => {}, { maxPending: 3 });
    for (const id of ["a", "b", "c"]) j.record(id, "{}");
    expect(() => j.record("d", "{}")).toThrow(JournalFullError);
    j.done("a");
    expect(j.record("d", "{}").fresh).toBe(true);
    await j.close();
    expect(new InboundJournal(path).pending().map((e) => e.id)).toEqual(["b", "c", "d"]);
  });

  it("compaction cost stays flat: the file is rewritten only when at least half of it is done lines", async () => {
    const path = join(dir, "in.jsonl");
    const j = new InboundJournal(path, () => {}, { compactAfterLines: 100 });
    // 2000 pending entries: the done lines of 150 others never justify rewriting all of them.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => j.record(`p${i}`, "{}").durable));
    const before = j.stats.compactions;
    for (let i = 0; i < 150; i++) {
      await j.record(`x${i}`, "{}").durable;
      j.done(`x${i}`);
    }
    await j.flushed();
    expect(j.stats.compactions).toBe(before);
    await j.close();
  });
});
