/**
 * Issue 12 item 1: 5000 robot messages pushed in one burst over 250 approved direct chats (20 each,
 * within the per-chat limit). Every one is acked, so DingTalk will never redeliver it: all 5000 must
 * reach the ledger, each exactly once (by source.message_id). On the old code only ~1,000–1,250 did;
 * the rest were refused as "too many messages waiting" after the ack.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  approveChats,
  startBridge,
  startTransportWorld,
  type TransportWorld,
  waitFor,
} from "./transport-support.js";

const CHATS = 250;
const PER_CHAT = 20;
const TOTAL = CHATS * PER_CHAT;

describe("a burst of 5000 messages from 250 chats", () => {
  let w: TransportWorld;
  afterAll(() => w?.close());

  it("lands every acked message in the ledger exactly once", async () => {
    // Default Stream timings: the short test ones (pong within 400 ms) would call a socket of a
    // daemon busy with the burst a zombie and reconnect mid-burst. Unacked pushes are redelivered
    // after 5 s, like DingTalk does (later), and must still land exactly once.
    w = await startTransportWorld({ start: false, timing: {}, fake: { redeliverAfterMs: 5_000 } });
    const chats = Array.from({ length: CHATS }, (_, i) => `cid-burst-${i}`);
    approveChats(w, chats);
    await startBridge(w);

    const payloads = [];
    for (let n = 0; n < PER_CHAT; n++) {
      for (const [i, chat] of chats.entries()) {
        payloads.push(
          w.fake.robotMessage({
            chat: "direct",
            conversationId: chat,
            senderNick: `user ${i}`,
            senderStaffId: `u-${i}`,
            text: `burst ${i}.${n}`,
          }),
        );
      }
    }
    const pushedAt = Date.now();
    const pushIds = new Set(payloads.map((p) => w.fake.push(p)));
    const msgIds = new Set(payloads.map((p) => String(p.msgId)));
    expect(msgIds.size).toBe(TOTAL);

    await waitFor(
      () => w.fake.acks.filter((a) => pushIds.has(a.messageId)).length >= TOTAL,
      30_000,
      "every push acked",
    );
    const ledger = join(w.t.home.groupDir(w.gid), "ledger.jsonl");
    // Poll the file sparingly: the daemon runs in this process and a parse storm would slow it down.
    const inLedger = (): string[] =>
      readFileSync(ledger, "utf8")
        .split("\n")
        .flatMap((l) => {
          if (!l.includes('"chat.message"')) return [];
          const e = JSON.parse(l) as { kind: string; data: { source?: { message_id?: string } } };
          const id = e.data.source?.message_id;
          return e.kind === "chat.message" && id && msgIds.has(id) ? [id] : [];
        });
    const ackedMs = Date.now() - pushedAt;
    let last = 0;
    let stalledSince = Date.now();
    let readAt = 0;
    await waitFor(
      () => {
        if (Date.now() - readAt < 500) return false;
        readAt = Date.now();
        const n = inLedger().length;
        if (n !== last) [last, stalledSince] = [n, Date.now()];
        // Fail fast once nothing has moved for 10 s (a lost message never arrives).
        if (Date.now() - stalledSince > 10_000) throw new Error(`stalled at ${n} of ${TOTAL} in the ledger`);
        return n >= TOTAL;
      },
      45_000,
      "all messages in the ledger",
    );
    console.log(`burst: all acked after ${ackedMs} ms, all in the ledger after ${Date.now() - pushedAt} ms`);
    const ids = inLedger();
    expect(new Set(ids).size).toBe(TOTAL);
    expect(ids.length).toBe(TOTAL);
    expect(w.bridgeLog()).not.toMatch(/too many messages waiting/);
  }, 120_000);
});
