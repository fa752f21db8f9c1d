/**
 * The inbox index keeps seqs, not events (issue 12: a 30,000-message burst kept every unread event
 * whole); `list` reads them back from the ledger, in order, however sparse they are.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compactingGc } from "../../src/daemon/heap-settle.js";
import type { ActorConfig } from "../../src/kernel/config.js";
import { InboxIndex } from "../../src/kernel/inbox.js";
import { Ledger } from "../../src/kernel/ledger.js";

let dir: string;
let ledger: Ledger;
let inbox: InboxIndex;
const actors = [{ id: "lead" }, { id: "peer" }] as ActorConfig[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cccc-inbox-"));
  ledger = await Ledger.open(join(dir, "ledger.jsonl"), "g_inbox", { durable: false });
  inbox = new InboxIndex(
    () => actors,
    (after, limit) => ledger.read(after, limit),
  );
  ledger.subscribe((e) => inbox.apply(e));
});
afterEach(async () => {
  await ledger.close();
  await rm(dir, { recursive: true, force: true });
});

const message = (text: string, to: string[]) => ({
  kind: "chat.message",
  by: "user",
  data: { text, to, attachments: [] },
});

/** In its own frame: a loop variable left in the test's frame would keep the last event alive. */
function track(refs: WeakRef<object>[], events: object[]): void {
  for (const e of events) refs.push(new WeakRef(e));
}

describe("InboxIndex", () => {
  it("lists sparse unread messages in order from the ledger, and marks read up to a seq", async () => {
    // lead gets every 150th message: runs of one, far apart (beyond one read of nearby seqs).
    const items = Array.from({ length: 3000 }, (_, i) =>
      message(`m${i}`, i % 150 === 0 ? ["lead"] : i % 3 === 0 ? ["@all"] : ["peer"]),
    );
    await ledger.appendMany(items.slice(0, 1500));
    await ledger.appendMany(items.slice(1500));
    const want = items.flatMap((m, i) => (m.data.to[0] === "peer" ? [] : [`m${i}`]));
    expect(inbox.count("lead")).toBe(want.length);
    expect((await inbox.list("lead")).map((e) => e.data.text)).toEqual(want);
    expect((await inbox.last("lead"))?.data.text).toBe(want.at(-1));
    expect(inbox.count("peer")).toBe(2980);

    const all = await inbox.list("lead");
    const mid = all[100];
    await ledger.append("chat.read", "lead", {
      actor_id: "lead",
      event_id: mid?.id ?? "",
      seq: mid?.seq ?? 0,
    });
    expect((await inbox.list("lead")).map((e) => e.id)).toEqual(all.slice(101).map((e) => e.id));
    const end = all.at(-1);
    await ledger.append("chat.read", "lead", {
      actor_id: "lead",
      event_id: end?.id ?? "",
      seq: end?.seq ?? 0,
    });
    expect(inbox.count("lead")).toBe(0);
    expect(await inbox.list("lead")).toEqual([]);
    expect(await inbox.last("lead")).toBeUndefined();
  });

  it("does not keep the unread events or their text in memory", async () => {
    const text = (i: number) => `message ${i} ${"x".repeat(8000)}`;
    const refs: WeakRef<object>[] = [];
    compactingGc();
    const before = process.memoryUsage().heapUsed;
    for (let b = 0; b < 20; b++) {
      const batch = Array.from({ length: 100 }, (_, i) => message(text(b * 100 + i), ["lead"]));
      const events = await ledger.appendMany(batch);
      // The ledger keeps its newest events for its readers (ledger-recent.ts); older ones must go.
      if (b < 10) track(refs, events);
    }
    compactingGc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(inbox.count("lead")).toBe(2000);
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    // 2000 unread messages of 8 KB each were > 16 MB kept; now a number each (plus the ledger's
    // cache of its newest lines and events, and what the test runner allocated meanwhile).
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    const listed = await inbox.list("lead");
    expect(listed.map((e) => e.data.text)).toEqual(Array.from({ length: 2000 }, (_, i) => text(i)));
  });
});
