import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fnv1a, MessageIndex } from "../../src/kernel/message-index.js";

const hexId = () => randomBytes(16).toString("hex");

/** Two keys with the same 32-bit FNV-1a hash (found by a birthday search; checked below). */
const COLLIDING = ["src:dingtalk:cid-1:msg-549599", "src:dingtalk:cid-1:msg-712382"] as const;

describe("MessageIndex", () => {
  it("finds every id exactly, through growth, and nothing else", () => {
    const index = new MessageIndex();
    const ids = Array.from({ length: 20_000 }, hexId);
    for (const [i, id] of ids.entries()) index.add(id, i + 1, undefined);
    expect(index.size).toBe(20_000);
    for (const [i, id] of ids.entries()) expect(index.seqOf(id)).toBe(i + 1);
    expect(index.seqOf(hexId())).toBeUndefined();
    const first = ids[0] ?? "";
    // Same first 8 characters (the table's slot), another id: not found.
    expect(index.seqOf(`${first.slice(0, 8)}${"0".repeat(24)}`)).toBeUndefined();
    expect(index.seqOf(first.toUpperCase())).toBeUndefined(); // ids are lowercase; lookups are exact
    expect(index.seqOf(first.slice(0, 31))).toBeUndefined();
  });

  it("lists the ids with a prefix of 8 or more characters", () => {
    const index = new MessageIndex();
    const a = `deadbeef${"1".repeat(24)}`;
    const b = `deadbeef${"2".repeat(24)}`;
    const c = `deadbeee${"1".repeat(24)}`;
    index.add(a, 1, undefined);
    index.add(b, 2, undefined);
    index.add(c, 3, undefined);
    const ids = (p: string) => index.withPrefix(p).map((m) => `${m.id}@${m.seq}`);
    expect(ids("deadbeef").sort()).toEqual([`${a}@1`, `${b}@2`]);
    expect(ids("deadbeef2")).toEqual([`${b}@2`]);
    expect(ids(a)).toEqual([`${a}@1`]);
    expect(ids("deadbeee")).toEqual([`${c}@3`]);
    expect(ids("DEADBEEF")).toEqual([]);
    expect(ids("deadbeex")).toEqual([]);
  });

  it("keeps ids of any other form (and seqs that do not fit the table) in a plain map", () => {
    const index = new MessageIndex();
    index.add("e1-hand-written", 7, "src:x:c:m1");
    index.add(`ABCDEF01${"0".repeat(24)}`, 8, undefined);
    index.add(hexId(), 0, "src:x:c:m2"); // seq 0: not in the table
    expect(index.seqOf("e1-hand-written")).toBe(7);
    expect(index.withPrefix("e1-hand")).toEqual([{ id: "e1-hand-written", seq: 7 }]);
    expect(index.withPrefix("ABCDEF01")).toEqual([{ id: `ABCDEF01${"0".repeat(24)}`, seq: 8 }]);
    expect(index.keyCandidates("src:x:c:m1")).toEqual([7]);
    expect(index.keyCandidates("src:x:c:m2")).toEqual([0]);
    expect(index.size).toBe(3);
  });

  it("gives every seq whose key has the same hash, newest first", () => {
    const index = new MessageIndex();
    const [k1, k2] = COLLIDING;
    expect(fnv1a(k1)).toBe(fnv1a(k2));
    index.add(hexId(), 3, k1);
    index.add(hexId(), 9, k2);
    index.add(hexId(), 12, "src:dingtalk:cid-2:other");
    expect(index.keyCandidates(k1)).toEqual([9, 3]); // the caller confirms each by reading it
    expect(index.keyCandidates(k2)).toEqual([9, 3]);
    expect(index.keyCandidates("src:dingtalk:cid-2:other")).toEqual([12]);
    expect(index.keyCandidates("src:dingtalk:cid-3:none")).toEqual([]);
  });
});
