/**
 * Item 4: bad input at the frame level, through the real daemon. Malformed JSON, unknown frame
 * types and topics, unknown msgtypes, missing fields, a 1 MB text and invalid UTF-8 bytes: the
 * connection stays up (no reconnect), every frame with a messageId is acked, and the bridge log says
 * what was dropped and why. Good messages around the bad ones still arrive, once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROBOT_TOPIC } from "../fakes/dingtalk/index.js";
import { startTransportWorld, type TransportWorld, waitFor } from "./transport-support.js";

const DIRECT = {
  chat: "direct" as const,
  conversationId: "cid-frames",
  senderNick: "赵六",
  senderStaffId: "u4",
};

let w: TransportWorld;
beforeAll(async () => {
  w = await startTransportWorld({ fake: { redeliverAfterMs: null } });
  await w.subscribe(DIRECT);
}, 60_000);
afterAll(() => w?.close());

function frame(type: string, topic: string, messageId: string, data: unknown): string {
  return JSON.stringify({
    specVersion: "1.0",
    type,
    headers: { messageId, topic, contentType: "application/json", time: String(Date.now()) },
    data: typeof data === "string" ? data : JSON.stringify(data),
  });
}
const acked = (messageId: string) => w.fake.acks.some((a) => a.messageId === messageId);

describe("bad frames do not hurt the connection", () => {
  it("drops, acks and logs each bad frame; good messages around them arrive once", async () => {
    const conn = w.fake.liveConnections().at(-1);
    if (!conn) throw new Error("no connection");
    const reconnects = (await w.imStatus()).reconnects;
    const base = w.fake.robotMessage({ ...DIRECT, text: "unused" });
    const { msgId: _m, ...noMsgId } = base;
    const { conversationId: _c, ...noConversation } = w.fake.robotMessage({ ...DIRECT, text: "no cid" });

    w.fake.pushFrame("{this is not json", conn);
    w.fake.pushFrame("[1,2,3]", conn);
    w.fake.pushFrame(frame("HOLOGRAM", "x", "bad-type", {}), conn);
    w.fake.pushFrame(JSON.stringify({ type: "CALLBACK", headers: { topic: ROBOT_TOPIC }, data: "{}" }), conn);
    w.fake.pushFrame(frame("SYSTEM", "REBALANCE_SOON", "bad-system", {}), conn);
    w.fake.pushFrame(
      frame("CALLBACK", "/v1.0/card/instances/callback", "bad-topic", { outTrackId: "t" }),
      conn,
    );
    w.fake.pushFrame(frame("EVENT", "*", "an-event", { eventType: "user_add_org" }), conn);
    w.fake.pushFrame(frame("CALLBACK", ROBOT_TOPIC, "data-not-json", "{{{"), conn);
    w.fake.pushFrame(frame("CALLBACK", ROBOT_TOPIC, "no-msgid", noMsgId), conn);
    w.fake.pushFrame(frame("CALLBACK", ROBOT_TOPIC, "no-cid", noConversation), conn);
    const hologram = {
      ...w.fake.robotMessage({ ...DIRECT, text: "x" }),
      msgtype: "hologram",
      hologram: { a: 1 },
    };
    w.fake.pushFrame(frame("CALLBACK", ROBOT_TOPIC, "odd-msgtype", hologram), conn);

    // Invalid UTF-8 inside a text frame (`ws` would fail the connection with 1007 by default).
    const bad = w.fake.robotMessage({ ...DIRECT, text: "bad bytes: @@" });
    const text = frame("CALLBACK", ROBOT_TOPIC, "bad-utf8", bad);
    const at = text.indexOf("@@");
    w.fake.pushRawText(
      Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(text.slice(at + 2)),
      ]),
      conn,
    );

    // A 1 MB text message.
    const big = `${"长".repeat(10)}${"x".repeat(1_000_000)}END`;
    const bigMsg = w.fake.robotMessage({ ...DIRECT, text: big });
    w.fake.push(bigMsg, conn);
    const after = w.fake.robotMessage({ ...DIRECT, text: "still listening" });
    w.fake.push(after, conn);

    await waitFor(() => w.ledgerCount(String(after.msgId)) > 0, 20_000, "the message after the bad frames");
    for (const id of [
      "bad-type",
      "bad-system",
      "bad-topic",
      "an-event",
      "data-not-json",
      "no-msgid",
      "no-cid",
      "odd-msgtype",
      "bad-utf8",
    ]) {
      expect(acked(id), `ack for ${id}`).toBe(true);
    }
    const log = w.bridgeLog();
    expect(log).toMatch(/frame dropped: stream frame is not JSON/);
    expect(log).toMatch(/frame dropped: stream frame is not a JSON object/);
    expect(log).toMatch(/frame dropped: stream frame has unknown type "HOLOGRAM" \(acked\)/);
    expect(log).toMatch(
      /frame dropped: stream CALLBACK frame has no headers.messageId \(no messageId, not acked\)/,
    );
    expect(log).toMatch(/unknown SYSTEM topic REBALANCE_SOON/);
    expect(log).toMatch(/unknown CALLBACK topic \/v1.0\/card\/instances\/callback/);
    expect(log).toMatch(/EVENT user_add_org is not subscribed|EVENT \* is not subscribed/);
    expect(log).toMatch(/robot callback data is not a JSON object \(data-not-json/);
    expect(log).toMatch(/inbound message skipped: robot message has no msgId/);
    expect(log).toMatch(/inbound message skipped: robot message \S+ has no conversationId/);

    // The odd bytes became U+FFFD; the message itself got through.
    await waitFor(() => w.ledgerCount(String(bad.msgId)) === 1, 10_000, "the invalid-UTF-8 message");
    expect(w.ledgerTexts().some((t) => t.startsWith("bad bytes: \uFFFD"))).toBe(true);
    // The 1 MB message arrives whole, or the log says why not — never silently truncated.
    await waitFor(
      () => w.ledgerCount(String(bigMsg.msgId)) === 1 || new RegExp(`${bigMsg.msgId}`).test(w.bridgeLog()),
      20_000,
      "the 1 MB message or a reason",
    );
    if (w.ledgerCount(String(bigMsg.msgId)) === 1) {
      // The core keeps an over-long text whole as an attached message.txt (lossless).
      const event = w
        .ledgerEvents()
        .find((e) => (e.data.source as { message_id?: string } | undefined)?.message_id === bigMsg.msgId);
      const text = String(event?.data.text ?? "");
      const files = (event?.data.attachments ?? []) as { name: string; bytes: number }[];
      const whole = text === big || files.some((f) => f.bytes === Buffer.byteLength(big));
      expect(whole, "1 MB text kept whole (inline or as an attachment)").toBe(true);
    }
    // Same socket, no reconnect.
    expect(conn.closedAt).toBeUndefined();
    expect(w.fake.liveConnections()).toEqual([conn]);
    expect((await w.imStatus()).reconnects).toBe(reconnects);
  });
});
