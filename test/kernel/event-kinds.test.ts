import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { classifyEvent } from "../../src/im/routing.js";
import { currentKind, isUserFacing, RENAMED_KINDS } from "../../src/kernel/event-kinds.js";
import { InboxIndex } from "../../src/kernel/inbox.js";
import { Ledger } from "../../src/kernel/ledger.js";
import type { LedgerEvent } from "../../src/kernel/types.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cccc-kinds-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (seq: number, kind: string, by: string, data: Record<string, unknown>) =>
  JSON.stringify({
    v: 1,
    id: `${String(seq).padStart(2, "0")}${"0".repeat(30)}`,
    seq,
    ts: "2026-01-01T00:00:00.000Z",
    kind,
    group_id: "g_old",
    by,
    data,
  });

const actor = (id: string) => ({ id, title: "", runtime: "custom", runner: "headless", enabled: true });

describe("ledger event kinds", () => {
  it("reads a ledger written with the old kind names under the current names", async () => {
    const file = join(dir, "ledger.jsonl");
    const old = [
      line(1, "group.create", "user", { title: "Old group" }),
      line(2, "actor.add", "user", { actor: actor("peer1") }),
      line(3, "chat.message", "user", { text: "before re-add", to: ["peer1"], attachments: [] }),
      line(4, "actor.start", "user", { actor_id: "peer1", runner: "headless", pid: 42 }),
      line(5, "actor.stop", "user", { actor_id: "peer1" }),
      line(6, "actor.remove", "user", { actor_id: "peer1" }),
      line(7, "actor.add", "user", { actor: actor("peer1") }),
      line(8, "chat.message", "user", { text: "after re-add", to: ["peer1"], attachments: [] }),
      line(9, "group.start", "user", { started: ["peer1"] }),
      line(10, "group.stop", "user", { stopped: ["peer1"] }),
    ];
    await writeFile(file, `${old.join("\n")}\n`);
    const ledger = await Ledger.open(file, "g_old");
    try {
      const kinds = (await ledger.read(0)).map((e) => e.kind);
      expect(kinds).toEqual([
        "group.created",
        "actor.added",
        "chat.message",
        "actor.started",
        "actor.stopped",
        "actor.removed",
        "actor.added",
        "chat.message",
        "group.started",
        "group.stopped",
      ]);
      expect((await ledger.tail(1))[0]?.kind).toBe("group.stopped");
      // Readers keyed on the new names work on the old file: the re-add resets the inbox.
      const inbox = new InboxIndex(
        () => [actor("peer1")] as never,
        (after, limit) => ledger.read(after, limit),
      );
      await ledger.scan((e) => inbox.apply(e));
      expect((await inbox.list("peer1")).map((e) => e.data.text)).toEqual(["after re-add"]);
      // New appends use the new names; the old lines on disk are left as they were.
      const added = await ledger.append("group.started", "user", { started: [] });
      expect(added.kind).toBe("group.started");
    } finally {
      await ledger.close();
    }
  });

  it("maps every old name to a current kind and leaves others alone", () => {
    for (const [old, now] of Object.entries(RENAMED_KINDS)) {
      expect(currentKind(old)).toBe(now);
      expect(now).toMatch(/^[a-z_]+\.[a-z_]+ed$/); // noun.verbed, past tense
    }
    expect(currentKind("chat.message")).toBe("chat.message");
    expect(currentKind("approval.requested")).toBe("approval.requested");
    expect(currentKind("constructor")).toBe("constructor");
  });
});

describe("user-facing: one definition", () => {
  const cases: Array<[string[], boolean]> = [
    [[], true],
    [["user"], true],
    [["@user"], true],
    [["@all"], true],
    [["peer1", "user"], true],
    [["@peers"], false],
    [["@foreman"], false],
    [["peer1"], false],
  ];

  it.each(cases)("to %j is user-facing: %s", (to, expected) => {
    expect(isUserFacing(to)).toBe(expected);
  });

  it("the IM bridge routes exactly the user-facing messages to every chat", () => {
    const actors = [{ id: "peer1", title: "", runtime: "custom", state: "running" }] as never;
    for (const [to, expected] of cases) {
      const event: LedgerEvent = {
        v: 1,
        id: "e".repeat(32),
        seq: 1,
        ts: "2026-01-01T00:00:00.000Z",
        kind: "chat.message",
        group_id: "g",
        by: "peer2",
        data: { text: "hi", to, attachments: [] },
      };
      expect(classifyEvent(event, actors)?.audience).toBe(expected ? "user" : "verbose");
    }
  });
});
