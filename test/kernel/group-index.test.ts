/**
 * A group indexes every message of its ledger (by id, id prefix and idempotency key) for the
 * daemon's lifetime, so what each entry costs is paid per message ever received (issue 12).
 */
import { afterAll, describe, expect, it } from "vitest";
import { compactingGc } from "../../src/daemon/heap-settle.js";
import { Home } from "../../src/kernel/home.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { tempHome } from "../support/home.js";

const home = tempHome("cccc-group-index-");
afterAll(() => home.cleanup());

describe("Group indexes", () => {
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
      // ~540 bytes (with the ledger's cache of its newest events); was ~740: each idempotency key
      // kept as a tree of string pieces, each prefix's ids in an array of their own.
      expect(perMessage).toBeLessThan(680); // headroom: a loaded worker measured up to 622
      const again = await send(1234); // idempotent on the source
      expect(again.data.text).toBe("m1234");
      expect((await group.event(again.id.slice(0, 10))).id).toBe(again.id);
      expect((await group.event(again.id)).seq).toBe(again.seq);
    } finally {
      await kernel.close();
    }
  });
});
