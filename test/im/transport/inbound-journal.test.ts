/**
 * The inbound journal's group commit (issue 12): every entry recorded in one burst is durable after
 * ONE write and ONE fdatasync, the file holds each exactly once, and a full journal refuses (the
 * Stream client then does not ack, so DingTalk redelivers) instead of forgetting an entry.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  it("compaction rewrites pending entries' lines byte for byte, escapes and lines from an earlier run included", async () => {
    const path = join(dir, "in.jsonl");
    // A line as an earlier version wrote it (other key order): kept as is, replayed the same.
    const old = JSON.stringify({ id: "old", at: 5, t: "in", data: '{"text":"旧 \\"q\\""}' });
    writeFileSync(path, `${old}\n`);
    const j = new InboundJournal(path, () => {}, { compactAfterLines: 10 });
    const data = '{"text":"引号 \\" 反斜杠 \\\\ 换行 \\n \\u2028 😀"}';
    await j.record("keep", data).durable;
    const kept = lines(path);
    for (let i = 0; i < 20; i++) {
      await j.record(`d${i}`, "{}").durable;
      j.done(`d${i}`);
    }
    await j.flushed();
    expect(j.stats.compactions).toBeGreaterThan(1); // one at open, at least one after the done lines
    // The rewritten file starts with the two pending lines, unchanged (what follows was appended since).
    expect(lines(path).slice(0, 2)).toEqual(kept);
    expect(kept[0]).toBe(old);
    await j.close();
    const replay = new InboundJournal(path).pending();
    expect(replay.map((e) => [e.id, e.data])).toEqual([
      ["old", '{"text":"旧 \\"q\\""}'],
      ["keep", data],
    ]);
  });

  it("stores JSON data verbatim (no escaping) and replays it byte for byte; other data escaped", async () => {
    const path = join(dir, "in.jsonl");
    const j = new InboundJournal(path);
    const json = '{"msgId":"v1","text":{"content":"引号 \\" 反斜杠 \\\\ \\u2028 😀"},"n":[1,2.5,null]}';
    const pretty = '{\n  "msgId": "v2"\n}'; // JSON, but a newline would split the line: escaped
    const notJson = 'not "json" at all';
    await Promise.all([
      j.record("v1", json, { json: true }).durable,
      j.record("v2", pretty, { json: true }).durable,
      j.record("v3", notJson).durable,
    ]);
    await j.close();
    const [first, second, third] = lines(path);
    expect(first).toBe(
      `{"t":"in","id":"v1","at":${(JSON.parse(first as string) as { at: number }).at},"d":${json}}`,
    );
    expect(second).toContain('"data":"{\\n');
    expect(third).toContain('"data":"not \\"json\\" at all"');
    const replay = new InboundJournal(path).pending();
    expect(replay.map((e) => [e.id, e.data])).toEqual([
      ["v1", json],
      ["v2", pretty],
      ["v3", notJson],
    ]);
  });

  it("replays a journal the previous version wrote (escaped lines, done lines, a torn line) mixed with verbatim lines", async () => {
    const path = join(dir, "in.jsonl");
    const data = (id: string) => `{"msgId":"${id}","text":{"content":"你好 \\"x\\""}}`;
    // Exactly what the previous version appended: JSON.stringify of {t, id, data, at}.
    const before = ["o1", "o2", "o3"].map((id) => JSON.stringify({ t: "in", id, data: data(id), at: 7 }));
    writeFileSync(path, `${before.join("\n")}\n${JSON.stringify({ t: "done", id: "o2" })}\n`);
    const j = new InboundJournal(path);
    await j.record("n1", data("n1"), { json: true }).durable;
    j.done("o1");
    await j.close();
    writeFileSync(path, `${readFileSync(path, "utf8")}{"t":"in","id":"n2","at":9,"d":{"msgId`); // torn
    const logs: string[] = [];
    const replay = new InboundJournal(path, (l) => logs.push(l)).pending();
    expect(replay.map((e) => [e.id, e.data, e.at])).toEqual([
      ["o3", data("o3"), 7],
      ["n1", data("n1"), replay[1]?.at],
    ]);
    expect(JSON.parse(replay[1]?.data as string)).toEqual({ msgId: "n1", text: { content: '你好 "x"' } });
    expect(logs.join("\n")).toContain("skipped 1 unreadable line");
  });

  it("the entries of one group commit share one promise; the next batch has its own", async () => {
    const j = new InboundJournal(join(dir, "in.jsonl"));
    const a = j.record("a", "{}", { json: true });
    const b = j.record("b", "{}", { json: true });
    expect(a.durable).toBe(b.durable);
    await a.durable;
    const c = j.record("c", "{}", { json: true });
    expect(c.durable).not.toBe(a.durable);
    await c.durable;
    expect(j.pending().map((e) => e.id)).toEqual(["a", "b", "c"]);
    await j.close();
  });

  it("stores a frame's bytes as they came (no copy of its data), replays its data, compacts from the data", async () => {
    const path = join(dir, "in.jsonl");
    const data = (id: string) => `{"msgId":"${id}","text":{"content":"帧 \\"q\\" 😀"}}`;
    const frame = (id: string) =>
      Buffer.from(
        JSON.stringify({
          specVersion: "1.0",
          type: "CALLBACK",
          headers: { messageId: `p-${id}` },
          data: data(id),
        }),
      );
    const j = new InboundJournal(path, () => {}, { compactAfterLines: 4 });
    await Promise.all(
      ["f1", "f2", "f3"].map((id) => j.record(id, data(id), { json: true, frame: frame(id) }).durable),
    );
    // A frame with a newline in it (JSON whitespace) would split its line: stored from the data.
    const spaced = Buffer.from(`{\n"data":${JSON.stringify(data("f4"))}}`);
    await j.record("f4", data("f4"), { json: true, frame: spaced }).durable;
    const written = lines(path);
    expect(written[0]).toBe(
      `{"t":"in","id":"f1","at":${(JSON.parse(written[0] as string) as { at: number }).at},"f":${frame("f1").toString()}}`,
    );
    expect(written[3]).toContain(`"d":${data("f4")}`);
    expect(new InboundJournal(path).pending().map((e) => [e.id, e.data])).toEqual(
      ["f1", "f2", "f3", "f4"].map((id) => [id, data(id)]),
    );
    // Compaction rewrites the pending frame entries from their data (the frame is not kept in memory).
    for (let i = 0; i < 6; i++) {
      await j.record(`x${i}`, "{}", { json: true, frame: Buffer.from('{"data":"{}"}') }).durable;
      j.done(`x${i}`);
    }
    j.done("f1");
    await j.flushed();
    expect(j.stats.compactions).toBeGreaterThan(1);
    await j.close();
    expect(new InboundJournal(path).pending().map((e) => [e.id, e.data])).toEqual(
      ["f2", "f3", "f4"].map((id) => [id, data(id)]),
    );
  });
});
