/**
 * Reaction calls under a burst (issue 12): queued per chat, an add and a removal still queued cancel
 * out, one 🤔 add per chat, bounded overall (oldest 🤔 adds dropped first), and never more than
 * `concurrency` calls in flight, whatever the backlog.
 */
import { describe, expect, it } from "vitest";
import { type ReactionOp, ReactionQueue } from "../../src/im/reaction-queue.js";
import type { InboundMessage } from "../../src/im/types.js";

const msg = (chatId: string, messageId: string): InboundMessage => ({
  platform: "dingtalk",
  messageId,
  chatId,
  chatType: "direct",
  userId: "u",
  userName: "u",
  text: "",
  mentioned: true,
  files: [],
  rawType: "text",
  createdAt: 0,
});

/** A send that waits until released, recording what was sent and the peak concurrency. */
function gatedSend() {
  const sent: string[] = [];
  let inFlight = 0;
  let peak = 0;
  let gate: Array<() => void> = [];
  return {
    sent,
    peak: () => peak,
    release: async () => {
      while (gate.length > 0) {
        const g = gate;
        gate = [];
        for (const f of g) f();
        await new Promise((r) => setImmediate(r));
      }
    },
    send: (op: ReactionOp) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      return new Promise<void>((ok) =>
        gate.push(() => {
          inFlight--;
          sent.push(`${op.message.chatId}/${op.message.messageId}${op.on ? "+" : "-"}${op.emoji}`);
          ok();
        }),
      );
    },
  };
}

/** One call at a time through `s`; the adds it drops unsent recorded as "chat/message emoji". */
function serialQueue(
  s: ReturnType<typeof gatedSend>,
  bounds: { maxPerChat?: number; maxTotal?: number } = {},
) {
  const unsent: string[] = [];
  const q = new ReactionQueue({
    send: s.send,
    log: () => {},
    droppable: "🤔",
    concurrency: 1,
    ...bounds,
    unsent: (op) => unsent.push(`${op.message.chatId}/${op.message.messageId}${op.emoji}`),
  });
  return { unsent, q };
}

describe("ReactionQueue", () => {
  it("coalesces, bounds per chat and overall, and keeps at most `concurrency` calls in flight", async () => {
    const s = gatedSend();
    const logs: string[] = [];
    const q = new ReactionQueue({
      send: s.send,
      log: (l) => logs.push(l),
      droppable: "🤔",
      concurrency: 2,
      maxPerChat: 5,
      maxTotal: 50,
    });
    // 100 chats × 20 messages: 2000 🤔 adds in one burst.
    for (let n = 0; n < 20; n++)
      for (let c = 0; c < 100; c++) q.push({ message: msg(`c${c}`, `m${n}`), emoji: "🤔", on: true });
    expect(q.size).toBeLessThanOrEqual(50);
    // A 🤔 add and its removal both still queued: neither is sent.
    q.push({ message: msg("c99", "m19"), emoji: "🤔", on: false });
    await s.release();
    expect(s.peak()).toBe(2);
    expect(s.sent.length).toBeLessThanOrEqual(52);
    expect(s.sent).not.toContain("c99/m19+🤔");
    expect(s.sent).not.toContain("c99/m19-🤔");
    expect(logs.join("\n")).toMatch(/too many reactions queued/);
    expect(q.size).toBe(0);
  });

  it("keeps one 🤔 per chat (the newest), reports the adds it dropped unsent, round robin over chats", async () => {
    const s = gatedSend();
    const { unsent, q } = serialQueue(s);
    q.push({ message: msg("z", "0"), emoji: "🤔", on: true }); // in flight while the rest queue up
    for (const [c, m] of [
      ["a", "1"],
      ["a", "2"],
      ["b", "1"],
    ] as const)
      q.push({ message: msg(c, m), emoji: "🤔", on: true });
    expect(unsent).toEqual(["a/1🤔"]); // its add was replaced by a/2's
    q.push({ message: msg("a", "1"), emoji: "🥳", on: true });
    await s.release();
    expect(s.sent).toEqual(["z/0+🤔", "a/2+🤔", "b/1+🤔", "a/1+🥳"]);
  });

  it("over the overall bound drops from the chat with the most queued, also among many one-op chats", async () => {
    const s = gatedSend();
    const { unsent, q } = serialQueue(s, { maxPerChat: 10, maxTotal: 6 });
    q.push({ message: msg("z", "0"), emoji: "🤔", on: true }); // in flight while the rest queue up
    for (const m of ["1", "2", "3", "4"]) q.push({ message: msg("a", m), emoji: "🥳", on: true });
    for (const c of ["b", "c", "d"]) q.push({ message: msg(c, "1"), emoji: "🤔", on: true });
    expect(q.size).toBe(6);
    await s.release();
    expect(s.sent).not.toContain("a/1+🥳"); // a had the most queued: its oldest went
    expect(unsent).toEqual(["a/1🥳"]);
    expect([...s.sent].sort()).toEqual([
      "a/2+🥳",
      "a/3+🥳",
      "a/4+🥳",
      "b/1+🤔",
      "c/1+🤔",
      "d/1+🤔",
      "z/0+🤔",
    ]);
  });
});
