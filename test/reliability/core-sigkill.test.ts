/**
 * Item 1: the daemon, a real subprocess, is killed with SIGKILL in the middle of a burst of inbound
 * (user messages from three chats) and outbound (agent replies to the user) traffic, then
 * restarted on the same home. Every user message must be in the ledger exactly once, every reply
 * must reach every chat, with at most one duplicate per chat (the one send in flight at the kill).
 */
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/cli.js";
import {
  type DaemonWorld,
  startDaemonWorld,
  startFakeBridge,
  subscribeChat,
} from "../support/daemon-process.js";

const CHATS = ["cid-kill-a", "cid-kill-b", "cid-kill-c"];
const PER_CHAT = 12; // within the default inbound limit of 20 per 10 s
/** Replies reach a chat at DingTalk's per-chat pace (~20 a minute, paced by the adapter). */
const REPLIES = 12;

let world: DaemonWorld | undefined;
afterAll(() => world?.close());

interface LedgerLine {
  kind: string;
  by: string;
  data: { text?: string; source?: { message_id?: string; chat_id?: string } };
}

describe("daemon killed with SIGKILL mid-burst", () => {
  it("loses and duplicates nothing across the restart", async () => {
    world = await startDaemonWorld({
      homePrefix: "cccc-sigkill-",
      fake: { redeliverAfterMs: 1_500 },
      title: "kill",
    });
    const { fake, daemon, gid } = world;
    const api = daemon.api;
    await api("POST", `/api/v1/groups/${gid}/actors`, {
      id: "lead",
      runtime: "custom",
      command: ["node", "-e", "setInterval(()=>{},1000)"],
    });
    await startFakeBridge(daemon, gid, fake);

    // One entry per message: queued messages to a chat may go out merged in one send (blank-line joined).
    const sends = (chatId?: string) =>
      fake.sent
        .filter((m) => chatId === undefined || JSON.stringify(m.target).includes(chatId))
        .map((m) => {
          const p = m.msgParam as { content?: string; text?: string };
          return `${p.content ?? ""}${p.text ?? ""}`.split("\n\n");
        });
    const texts = (chatId?: string) => sends(chatId).flat();
    for (const conversationId of CHATS) {
      await subscribeChat(daemon, gid, fake, {
        chat: "direct",
        conversationId,
        senderStaffId: conversationId,
      });
    }

    // The burst: user messages round-robin over the chats, replies in parallel; SIGKILL half-way.
    const userIds: string[] = [];
    const pushUser = (i: number) => {
      const conversationId = CHATS[i % CHATS.length] ?? "";
      const payload = fake.robotMessage({
        chat: "direct",
        conversationId,
        senderStaffId: conversationId,
        text: `user message ${i}`,
      });
      userIds.push(String(payload.msgId));
      fake.push(payload);
    };
    const reply = (i: number) =>
      api("POST", `/api/v1/groups/${gid}/send`, { text: `agent reply ${i}`, to: ["user"], by: "lead" });
    const total = PER_CHAT * CHATS.length;
    let exited: Promise<void> | undefined;
    for (let i = 0; i < total; i++) {
      pushUser(i);
      // one reply every third message, so replies are in flight on both sides of the kill
      if (i % 3 === 0) void reply(i / 3).catch(() => undefined);
      if (i === Math.floor(total / 2)) {
        // Killed while ingesting: some of the burst is in the ledger already, the rest is not.
        const burstSeen = () =>
          daemon
            .ledger<LedgerLine>(gid)
            .some((e) => e.by === "user" && userIds.includes(String(e.data.source?.message_id)));
        await waitFor(burstSeen, 20_000, "part of the burst in the ledger");
        exited = daemon.kill();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await exited;

    await daemon.start();
    // Replies whose request died with the daemon are sent again (only if not already in the ledger).
    const ledger = () => daemon.ledger<LedgerLine>(gid);
    for (let i = 0; i < REPLIES; i++) {
      const there = ledger().some((e) => e.kind === "chat.message" && e.data.text === `agent reply ${i}`);
      if (!there) await reply(i);
    }

    // Every user message in the ledger exactly once.
    await waitFor(
      () => {
        const seen = new Set(ledger().flatMap((e) => (e.by === "user" ? [e.data.source?.message_id] : [])));
        return userIds.every((id) => seen.has(id));
      },
      40_000,
      "every user message in the ledger",
    ).catch((e: Error) => {
      const seen = new Set(ledger().flatMap((e) => (e.by === "user" ? [e.data.source?.message_id] : [])));
      throw new Error(`${e.message}: ${userIds.filter((id) => !seen.has(id)).length} missing`);
    });
    const counts = new Map<string, number>();
    for (const e of ledger()) {
      const id = e.by === "user" ? e.data.source?.message_id : undefined;
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const id of userIds) expect(counts.get(id), `user message ${id}`).toBe(1);
    for (let i = 0; i < REPLIES; i++) {
      expect(ledger().filter((e) => e.data.text === `agent reply ${i}`)).toHaveLength(1);
    }

    // Every reply reached every chat; at most one duplicate per chat.
    for (const chat of CHATS) {
      await waitFor(
        () =>
          Array.from({ length: REPLIES }, (_, i) => i).every((i) =>
            texts(chat).some((s) => s.endsWith(`agent reply ${i}`)),
          ),
        40_000,
        `every reply in ${chat}`,
      ).catch((e: Error) => {
        const missing = Array.from({ length: REPLIES }, (_, i) => i).filter(
          (i) => !texts(chat).some((s) => s.endsWith(`agent reply ${i}`)),
        );
        throw new Error(`${e.message}: replies ${missing.join(", ")} missing`);
      });
      // A kill repeats at most the one send in flight per chat. Merged, that send may hold several
      // replies (and after the restart they may be merged differently), so every repeated reply must
      // come from one earlier send (docs/im-bridge.md "Cursor").
      const all = sends(chat).map((send) => send.filter((s) => /agent reply \d+$/.test(s)));
      const repeated = [...new Set(all.flat().filter((r, i, flat) => flat.indexOf(r) !== i))];
      expect(
        repeated.length === 0 || all.some((send) => repeated.every((r) => send.includes(r))),
        `replies repeated in ${chat} (${repeated.join(", ")}) are more than the one send in flight: ${JSON.stringify(all)}`,
      ).toBe(true);
    }
  }, 90_000);
});
