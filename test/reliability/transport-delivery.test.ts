/**
 * Item 3: delivery faults through the real daemon and the fake DingTalk. Inbound redeliveries are
 * handled once (also across a restart); outbound messages survive token expiry, throttling, 5xx,
 * expired reply links and per-chat pacing — each delivered exactly once, in order; a disbanded group
 * is classified `dingtalk_chat_gone` while the other chats keep receiving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SentMessage } from "../fakes/dingtalk/index.js";
import { agentSays, startTransportWorld, type TransportWorld, waitFor } from "./transport-support.js";

const DIRECT = { chat: "direct" as const, conversationId: "cid-dm", senderNick: "王五", senderStaffId: "u3" };
const GROUP_A = {
  chat: "group" as const,
  conversationId: "cid-group-a",
  conversationTitle: "A 组",
  senderStaffId: "u3",
};
const GROUP_B = {
  chat: "group" as const,
  conversationId: "cid-group-b",
  conversationTitle: "B 组",
  senderStaffId: "u3",
};

let w: TransportWorld;
beforeAll(async () => {
  w = await startTransportWorld({ fake: { redeliverAfterMs: 1_000 } });
  for (const chat of [DIRECT, GROUP_A, GROUP_B]) await w.subscribe(chat);
}, 60_000);
afterAll(() => w?.close());

/** Which chat a sent message went to. */
function chatOf(m: SentMessage): string {
  if (m.target.conversationId) return m.target.conversationId;
  if (m.target.openConversationId) return m.target.openConversationId;
  return m.target.userIds?.includes("u3") ? "cid-dm" : "?";
}
function textOf(m: SentMessage): string {
  const p = m.msgParam as { content?: string; text?: string };
  return `${p.content ?? ""}${p.text ?? ""}`;
}
/** Messages containing `marker` that chat `cid` received. */
function received(cid: string, marker: string): SentMessage[] {
  return w.fake.sent.filter((m) => chatOf(m) === cid && textOf(m).includes(marker));
}
async function deliveredOnce(cids: string[], marker: string): Promise<void> {
  for (const cid of cids)
    await waitFor(() => received(cid, marker).length > 0, 75_000, `${marker} to ${cid}`); // a chat may wait for its 20/min window
  await new Promise((r) => setTimeout(r, 500));
  for (const cid of cids) expect(received(cid, marker), `${marker} to ${cid}`).toHaveLength(1);
}
const ALL = ["cid-dm", "cid-group-a", "cid-group-b"];

describe("delivery faults through the daemon", () => {
  it("redelivered callbacks (same msgId, lost ack, fresh push id, after a restart) are processed once", async () => {
    const payload = w.fake.robotMessage({ ...DIRECT, text: "only once please" });
    const msgId = String(payload.msgId);
    const conn = w.fake.liveConnections().at(-1);
    if (conn) conn.dropAcks = 1; // the ack is lost: DingTalk re-pushes with the same push id
    w.fake.push(payload);
    await waitFor(() => w.fake.stream.redeliveries > 0, 10_000, "a redelivery");
    w.fake.push(payload); // and once more with a fresh push id
    await waitFor(() => w.ledgerCount(msgId) > 0, 10_000, "the message");
    await waitFor(
      () => (w.bridgeLog().match(/duplicate message/g) ?? []).length >= 2,
      10_000,
      "two duplicates",
    );
    await w.restart();
    await waitFor(() => w.fake.liveConnections().length > 0, 10_000, "reconnect");
    w.fake.push(payload);
    await waitFor(
      () => (w.bridgeLog().match(/duplicate message/g) ?? []).length >= 3,
      10_000,
      "third duplicate",
    );
    expect(w.ledgerCount(msgId)).toBe(1);
  });

  it("expired sessionWebhook falls back to the OpenAPI; an access token revoked mid-run is refreshed", async () => {
    for (const s of w.fake.state.sessions.values()) s.expiresAt = 0;
    w.fake.expireTokens();
    const issued = w.fake.state.tokensIssued;
    await agentSays(w, "after expiry #1");
    await deliveredOnce(ALL, "after expiry #1");
    for (const cid of ALL) expect(received(cid, "after expiry #1")[0]?.via).not.toBe("webhook");
    expect(w.fake.state.tokensIssued).toBeGreaterThan(issued);
    expect(w.bridgeLog()).toMatch(/dingtalk_invalid_token/);
  });

  it("403 QPS limits and 5xx on sends are retried until delivered, and per-chat order holds", async () => {
    w.fake.fail("groupSend", "qps", 6); // more than one call's retries: the bridge core retries too
    w.fake.fail("usersSend", "serverError", 2);
    for (let i = 1; i <= 3; i++) await agentSays(w, `ordered ${i}/3`);
    for (let i = 1; i <= 3; i++) await deliveredOnce(ALL, `ordered ${i}/3`);
    for (const cid of ALL) {
      // Queued messages may go out merged into one send: the order is the order of the markers.
      const order = w.fake.sent
        .filter((m) => chatOf(m) === cid)
        .flatMap((m) => [...textOf(m).matchAll(/ordered (\d)/g)].map((x) => x[1]));
      expect(order).toEqual(["1", "2", "3"]);
    }
    expect(w.bridgeLog()).toMatch(/QpsLimitForAppkeyAndApi/);
    expect(w.bridgeLog()).toMatch(/dingtalk_server_error/);
  }, 60_000);

  it("per-chat throttling: DingTalk flow control on a user, and our own pacing, lose nothing", async () => {
    w.fake.state.flowControlledUsers.add("u3");
    await agentSays(w, "flow controlled");
    await waitFor(() => /dingtalk_throttled/.test(w.bridgeLog()), 20_000, "a throttled send");
    w.fake.state.flowControlledUsers.delete("u3");
    await deliveredOnce(["cid-dm"], "flow controlled");
    // Client-side pacing: a burst beyond the per-chat allowance is spread out, not dropped.
    const t0 = Date.now();
    for (let i = 1; i <= 8; i++) await agentSays(w, `burst ${i}/8`);
    await deliveredOnce(["cid-group-a"], "burst 8/8");
    const order = w.fake.sent
      .filter((m) => chatOf(m) === "cid-group-a")
      .flatMap((m) => [...textOf(m).matchAll(/burst (\d)/g)].map((x) => x[1]));
    expect(order).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    console.log(
      `8-message burst to one chat delivered in ${Date.now() - t0} ms (20/min per chat, merged when queued)`,
    );
  }, 60_000);

  it("a disbanded group is classified dingtalk_chat_gone and the other chats keep flowing", async () => {
    w.fake.state.goneChats.add("cid-group-b");
    await agentSays(w, "after disband");
    await deliveredOnce(["cid-dm", "cid-group-a"], "after disband");
    await waitFor(
      () => /cid-group-b is gone \(dingtalk_chat_gone\)/.test(w.bridgeLog()),
      20_000,
      "gone chat",
    );
    await agentSays(w, "still flowing");
    await deliveredOnce(["cid-dm", "cid-group-a"], "still flowing");
    expect(received("cid-group-b", "after disband")).toHaveLength(0);
  }, 120_000); // the earlier cases may have used these chats' 20 messages/min: the window must pass
});
