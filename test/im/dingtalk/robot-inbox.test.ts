/**
 * The robot inbox hands a message to the bridge while its journal batch is being written (the
 * journal's fdatasync and the ledger's overlap, docs/bench.md "Ingest"), and acks only once the batch
 * is durable. A journal whose commit we hold open shows the order without timing.
 */
import { describe, expect, it } from "vitest";
import { RobotInbox } from "../../../src/im/dingtalk/robot-inbox.js";
import type { CallbackMeta } from "../../../src/im/dingtalk/stream-options.js";
import { MemoryDedupe } from "../../../src/im/transport/dedupe-store.js";
import type { InboundJournalLike, JournalRecord } from "../../../src/im/transport/inbound-journal.js";

/** A journal whose one batch commits when the test says so. */
function heldJournal() {
  let commit!: () => void;
  let fail!: (err: Error) => void;
  const durable = new Promise<void>((resolve, reject) => {
    commit = resolve;
    fail = reject;
  });
  durable.catch(() => {});
  const done: string[] = [];
  const journal: InboundJournalLike = {
    record: (): JournalRecord => ({ fresh: true, durable, at: 1 }),
    done: (id) => void done.push(id),
    pending: () => [],
  };
  return { journal, commit, fail, done };
}

const settle = () => new Promise((r) => setImmediate(r));

function inbox(journal: InboundJournalLike) {
  const handled: string[] = [];
  const acks: string[] = [];
  const logs: string[] = [];
  const dedupe = new MemoryDedupe();
  const robot = new RobotInbox(
    {
      dedupe,
      journal,
      log: (l) => logs.push(l),
      onCallback: (data: Record<string, unknown>, _meta: CallbackMeta) => {
        handled.push(String(data.msgId));
      },
    },
    () => true,
  );
  const receive = (msgId: string) =>
    robot.receive(
      JSON.stringify({ msgId, text: { content: "hi" } }),
      { messageId: `push-${msgId}`, topic: "t" },
      (_pushId, d) => acks.push(`${msgId} ${d}`),
    );
  return { robot, receive, handled, acks, logs, dedupe };
}

describe("RobotInbox: handling overlaps the journal's commit", () => {
  it("hands the message to the bridge before its batch is durable, acks only after", async () => {
    const j = heldJournal();
    const t = inbox(j.journal);
    t.receive("m1");
    await settle();
    expect(t.handled).toEqual(["m1"]); // on the old path: nothing until the fdatasync returned
    expect(t.acks).toEqual([]);
    expect(t.dedupe.has("m1")).toBe(false); // a crash now: unacked, DingTalk redelivers, not dropped
    expect(j.done).toEqual(["m1"]);
    j.commit();
    await settle();
    expect(t.acks).toEqual(['m1 {"response":null}']);
    expect(t.dedupe.has("m1")).toBe(true);
  });

  it("a batch that cannot be written is not acked and not remembered, so its redelivery is handled", async () => {
    const j = heldJournal();
    const t = inbox(j.journal);
    t.receive("m2");
    await settle();
    j.fail(new Error("ENOSPC"));
    await settle();
    expect(t.acks).toEqual([]);
    expect(t.dedupe.has("m2")).toBe(false);
    expect(t.logs.join("\n")).toMatch(/cannot journal m2 \(ENOSPC\); not acked/);
  });

  it("acks every frame of a batch once, in order, when the batch commits; a failed batch is logged once", async () => {
    const j = heldJournal();
    const t = inbox(j.journal);
    for (const id of ["a", "b", "c"]) t.receive(id);
    await settle();
    expect(t.handled).toEqual(["a", "b", "c"]);
    expect(t.acks).toEqual([]);
    j.commit();
    await settle();
    expect(t.acks).toEqual(["a", "b", "c"].map((id) => `${id} {"response":null}`));
    expect(["a", "b", "c"].every((id) => t.dedupe.has(id))).toBe(true);

    const failing = heldJournal();
    const u = inbox(failing.journal);
    for (const id of ["x", "y", "z"]) u.receive(id);
    failing.fail(new Error("EIO"));
    await settle();
    expect(u.acks).toEqual([]);
    expect(u.logs.filter((l) => l.includes("cannot journal"))).toEqual([
      "stream: cannot journal x and 2 more (EIO); not acked so DingTalk redelivers it",
    ]);
  });
});
