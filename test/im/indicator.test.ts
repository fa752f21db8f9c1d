/**
 * The processing indicator keeps ids per pending message, not the message (issue 12: a 5000-message
 * burst left 5000 whole messages with their reply data pending, ~1 KiB each, for half an hour).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compactingGc } from "../../src/daemon/heap-settle.js";
import { DONE, ProcessingIndicators, THINKING } from "../../src/im/indicator.js";
import type { InboundMessage, PlatformAdapter } from "../../src/im/types.js";

const msg = (chatId: string, messageId: string, text = ""): InboundMessage => ({
  platform: "dingtalk",
  messageId,
  chatId,
  chatType: "direct",
  userId: `u-${chatId}`,
  userName: "someone",
  text,
  mentioned: true,
  files: [{ kind: "file", downloadCode: `code-${messageId}`, fileName: "a.pdf" }] as never,
  rawType: "text",
  createdAt: Date.now(),
  reply: {
    conversationId: chatId,
    sessionWebhook: `http://127.0.0.1:1/robot/sendBySession?session=${messageId}`,
    sessionWebhookExpiresAt: Date.now() + 60_000,
  },
});

function indicators() {
  const calls: string[] = [];
  const adapter = {
    platform: "dingtalk",
    react: async (m: InboundMessage, emoji: string, on: boolean) => {
      const webhook = String(m.reply?.sessionWebhook ?? "").split("=")[1];
      calls.push(`${m.chatId}/${m.messageId}${on ? "+" : "-"}${emoji} text=${m.text.length} via ${webhook}`);
    },
  } as unknown as PlatformAdapter;
  const ind = new ProcessingIndicators(adapter, () => {}, Date.now, 30 * 60_000);
  return { ind, calls };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("ProcessingIndicators", () => {
  it("reacts on the right message with its chat's newest reply data, without text", async () => {
    const { ind, calls } = indicators();
    ind.start("ev-1", msg("c1", "m1", "hello"));
    await settle();
    ind.start("ev-2", msg("c1", "m2", "again"));
    await settle();
    ind.complete("c1", "ev-1");
    await settle();
    expect(calls).toEqual([
      "c1/m1+🤔 text=0 via m1",
      "c1/m2+🤔 text=0 via m2",
      `c1/m1-${THINKING} text=0 via m2`,
      `c1/m1+${DONE} text=0 via m2`,
    ]);
    expect(ind.size).toBe(1);
    ind.complete("c1", undefined); // exactly one left in the chat: it is the match
    await settle();
    expect(calls.slice(-2)).toEqual([`c1/m2-${THINKING} text=0 via m2`, `c1/m2+${DONE} text=0 via m2`]);
    expect(ind.size).toBe(0);
    ind.clear();
  });

  it("keeps neither the messages nor their reply data: under 100 bytes per pending message", async () => {
    // Reactions recorded nowhere: how many the queue has sent by the measurement must not count.
    const adapter = { platform: "dingtalk", react: async () => {} } as unknown as PlatformAdapter;
    const chats = 1000;
    const perChat = 20;
    // Event ids as the ledger makes them (32 hex characters). The message ids live on elsewhere in
    // the daemon (the dedupe window), so the test holds them too.
    const ids = Array.from({ length: chats * perChat }, (_, i) => [
      randomBytes(16).toString("hex"),
      `msg-${i}==`,
    ]);
    const refs: WeakRef<object>[] = [];
    const fill = (ind: ProcessingIndicators, upTo: number) => {
      for (let k = 0; k < perChat; k++) {
        for (let c = 0; c < upTo; c++) {
          const [eventId = "", messageId = ""] = ids[k * chats + c] ?? [];
          const m = msg(`chat-${c}`, messageId, `text ${"y".repeat(2000)} ${c} ${k}`);
          if (k < perChat - 1 && c % 40 === 0) refs.push(new WeakRef(m), new WeakRef(m.reply as object));
          ind.start(eventId, m);
        }
      }
    };
    // A throwaway pass first, so compiled code and one-off allocations are not counted.
    const warm = new ProcessingIndicators(adapter, () => {}, Date.now, 30 * 60_000);
    fill(warm, 50);
    await settle();
    warm.clear();
    refs.length = 0;
    const ind = new ProcessingIndicators(adapter, () => {}, Date.now, 30 * 60_000);
    compactingGc();
    // The slots are typed arrays: their storage is outside the JS heap, in arrayBuffers.
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    fill(ind, chats);
    // The least of three looks: what the worker allocates meanwhile (test runner traffic) is not ours.
    let after = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      await settle();
      compactingGc();
      after = Math.min(after, used());
    }
    const perMessage = (after - before) / (chats * perChat);
    expect(ind.size).toBe(chats * perChat);
    // Messages other than each chat's newest (whose reply data serves the chat) are gone (a sample).
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    // Was ~1.2 KiB with the whole message (and a hidden class of its own) kept per indicator, then
    // ~290 with an object, a boxed time and a Map entry each; ~145–180 as array slots and the
    // reaction queue's record of coalesced 🤔 adds; now slots in typed arrays (pending-slots.ts).
    expect(perMessage).toBeLessThan(100); // ~80: slots ~50 (arrays grow by doubling), each chat's base ~30
    expect(ids).toHaveLength(chats * perChat);
    ind.clear();
  });

  it("keeps at most 50 per chat (the oldest forgotten), restarts one in place, and sweeps the timed out", async () => {
    const calls: string[] = [];
    const adapter = {
      platform: "dingtalk",
      react: async (m: InboundMessage, emoji: string, on: boolean) => {
        calls.push(`${m.messageId}${on ? "+" : "-"}${emoji}`);
      },
    } as unknown as PlatformAdapter;
    let now = 1_000;
    const ind = new ProcessingIndicators(
      adapter,
      () => {},
      () => now,
      60_000,
    );
    for (let i = 0; i < 60; i++) ind.start(`ev-${i}`, msg("c1", `m${i}`));
    ind.start("ev-other", msg("c2", "mo"));
    expect(ind.size).toBe(51);
    await settle();
    calls.length = 0;
    ind.complete("c1", "ev-9"); // forgotten when the 60th came: nothing to finish
    await settle();
    expect(calls).toEqual([]);
    ind.complete("c1", "ev-10");
    await settle();
    expect(calls).toEqual([`m10+${DONE}`]); // its 🤔 add was coalesced away unsent: no removal

    expect(ind.size).toBe(50);
    now = 30_000;
    ind.start("ev-11", msg("c1", "m11-again")); // restarted: new message id and time, same place
    now = 62_000; // ev-12…ev-59 and ev-other (started at 1 s) are past the 60 s timeout; ev-11 is not
    calls.length = 0;
    ind.sweep();
    await settle();
    expect(ind.size).toBe(1);
    expect(calls).toContain(`m59-${THINKING}`);
    expect(calls).toContain(`mo-${THINKING}`);
    expect(calls.filter((c) => c.startsWith("m11"))).toEqual([]);
    calls.length = 0;
    ind.complete("c1", undefined); // the one left in the chat
    await settle();
    expect(calls).toEqual([`m11-again-${THINKING}`, `m11-again+${DONE}`]);
    expect(ind.size).toBe(0);
    ind.clear();
  });
});
