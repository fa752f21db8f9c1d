/**
 * A group indexes every message of its ledger (by id, id prefix and idempotency key) for the
 * daemon's lifetime, so what each entry costs is paid per message ever received (issue 12).
 */
import { afterAll, describe, expect, it } from "vitest";
import { compactingGc } from "../../src/daemon/heap-settle.js";
import { Home } from "../../src/kernel/home.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { fnv1a } from "../../src/kernel/message-index.js";
import { tempHome } from "../support/home.js";

/** Two message ids whose `src:dingtalk:<chat>:<id>` keys hash alike (a birthday search, ~1 s). */
function collidingMessageIds(chat: string): [string, string] {
  const seen = new Map<number, string>();
  for (let n = 0; ; n++) {
    const id = `m${n}`;
    const h = fnv1a(`src:dingtalk:${chat}:${id}`);
    const other = seen.get(h);
    if (other !== undefined) return [other, id];
    seen.set(h, id);
  }
}

const home = tempHome("cccc-group-index-");
afterAll(() => home.cleanup());

describe("Group indexes", () => {
  it("tell two sources whose keys share a hash apart: both appended, each found again", async () => {
    const kernel = await Kernel.open(new Home(home.dir));
    try {
      const group = await kernel.createGroup({ title: "collide" });
      // Two message ids whose idempotency keys have the same 32-bit FNV-1a hash (found by search).
      const [m1, m2] = collidingMessageIds("cid-x");
      const source = (message_id: string) => ({
        platform: "dingtalk",
        chat_id: "cid-x",
        chat_type: "direct" as const,
        user_id: "u",
        user_name: "someone",
        message_id,
      });
      const a = await group.send({ by: "user", text: "one", to: ["@all"], source: source(m1) });
      const b = await group.send({ by: "user", text: "two", to: ["@all"], source: source(m2) });
      expect(b.id).not.toBe(a.id);
      expect((await group.send({ by: "user", text: "x", to: ["@all"], source: source(m1) })).id).toBe(a.id);
      expect((await group.send({ by: "user", text: "x", to: ["@all"], source: source(m2) })).id).toBe(b.id);
      expect(group.ledger.lastSeq()).toBe(b.seq);
    } finally {
      await kernel.close();
    }
  });

  it("cost a few hundred bytes per message, and still find messages by id, prefix and source", async () => {
    const kernel = await Kernel.open(new Home(home.dir));
    try {
      const group = await kernel.createGroup({ title: "index" });
      const send = (i: number) =>
        group.send({
          by: "user",
          text: `m${i}`,
          to: ["@all"],
          source: {
            platform: "dingtalk",
            chat_id: `cid-chat-${i % 250}-${"c".repeat(20)}`,
            chat_type: "direct",
            user_id: `user-${i % 250}`,
            user_name: "someone",
            message_id: `msg-${i}-${"m".repeat(24)}==`,
          },
        });
      await send(-1);
      compactingGc();
      const before = process.memoryUsage().heapUsed;
      const n = 5000;
      for (let b = 0; b < n; b += 250) await Promise.all(Array.from({ length: 250 }, (_, i) => send(b + i)));
      compactingGc();
      const perMessage = (process.memoryUsage().heapUsed - before) / n;
      // ~300–350 bytes, most of it the ledger's cache of its newest events (512 KiB over 5000
      // messages); the indexes are typed arrays (message-index.ts). Was ~590 with three string Maps
      // (id, prefix, idempotency key), ~740 before the keys were flat strings.
      expect(perMessage).toBeLessThan(460);
      const again = await send(1234); // idempotent on the source
      expect(again.data.text).toBe("m1234");
      expect((await group.event(again.id.slice(0, 10))).id).toBe(again.id);
      expect((await group.event(again.id)).seq).toBe(again.seq);
      expect(group.hasMessage(again.id)).toBe(true);
      expect(group.hasMessage(again.id.slice(0, 31))).toBe(false);
    } finally {
      await kernel.close();
    }
  });
});
