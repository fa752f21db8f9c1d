/**
 * One burst mixing what the bridge must treat differently, handed to the ledger in batches (the
 * messages of one tick are one append, `Group.sendMany`): approved chats, a stranger (not
 * authorized: nothing forwarded), a chat over the flood limit (20 per 10 s: the rest refused and
 * counted), an empty message (nothing forwarded) and a text too long to keep inline (a blob). Every
 * forwarded message is in the ledger exactly once, each chat's in the order it was sent.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  approveChats,
  startBridge,
  startTransportWorld,
  type TransportWorld,
  waitFor,
} from "./transport-support.js";

const CHATS = Array.from({ length: 10 }, (_, i) => `cid-mix-${i}`);
const FLOOD = "cid-mix-flood";
const STRANGER = "cid-mix-stranger";
const PER_CHAT = 5;
const FLOOD_SENT = 30;
const LIMIT = 20;
const LONG = `long ${"y".repeat(40_000)}`;

describe("a burst mixing approved, refused, empty and long messages", () => {
  let w: TransportWorld;
  afterAll(() => w?.close());

  it("forwards each approved message once, in order per chat, and nothing else", async () => {
    w = await startTransportWorld({ start: false, timing: {} });
    approveChats(w, [...CHATS, FLOOD]);
    await startBridge(w);

    const message = (chat: string, text: string) =>
      w.fake.robotMessage({
        chat: "direct",
        conversationId: chat,
        senderNick: chat,
        senderStaffId: `u-${chat}`,
        text,
      });
    const payloads = [];
    for (let n = 0; n < PER_CHAT; n++) {
      for (const chat of CHATS) payloads.push(message(chat, `${chat} #${n}`));
      payloads.push(message(STRANGER, `${STRANGER} #${n}`));
      for (let f = 0; f < FLOOD_SENT / PER_CHAT; f++)
        payloads.push(message(FLOOD, `${FLOOD} #${n * (FLOOD_SENT / PER_CHAT) + f}`));
    }
    payloads.push(message(CHATS[1] as string, ""), message(CHATS[0] as string, LONG));
    for (const p of payloads) w.fake.push(p);

    const expected = CHATS.length * PER_CHAT + 1 + LIMIT;
    const forwarded = () =>
      w.ledgerEvents().flatMap((e) => {
        const source = e.data.source as { chat_id?: string; message_id?: string } | undefined;
        return e.kind === "chat.message" && source?.chat_id?.startsWith("cid-mix-")
          ? [{ chat: source.chat_id, id: source.message_id, text: String(e.data.text) }]
          : [];
      });
    await waitFor(() => forwarded().length >= expected, 30_000, "the forwarded messages in the ledger");
    await new Promise((r) => setTimeout(r, 1_000)); // nothing more may arrive

    const events = forwarded();
    expect(events.length).toBe(expected);
    expect(new Set(events.map((e) => e.id)).size).toBe(expected);
    const textsOf = (chat: string) => events.filter((e) => e.chat === chat).map((e) => e.text);
    for (const chat of CHATS.slice(1))
      expect(textsOf(chat)).toEqual(Array.from({ length: PER_CHAT }, (_, n) => `${chat} #${n}`));
    const first = textsOf(CHATS[0] as string);
    expect(first.slice(0, PER_CHAT)).toEqual(Array.from({ length: PER_CHAT }, (_, n) => `${CHATS[0]} #${n}`));
    expect(first[PER_CHAT]?.startsWith("long yyy")).toBe(true); // the inline preview; the whole text is a blob
    expect(textsOf(STRANGER)).toEqual([]);
    expect(textsOf(FLOOD)).toEqual(Array.from({ length: LIMIT }, (_, n) => `${FLOOD} #${n}`));
    const status = (await w.imStatus()) as { refused_inbound?: number; inbound_waiting?: number };
    expect(status.refused_inbound).toBe(FLOOD_SENT - LIMIT);
    expect(status.inbound_waiting).toBe(0); // the Stream inbox, through the daemon's API
  }, 90_000);
});
