import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startBridge, subscribeChat } from "./support/harness.js";
import { DIRECT, GROUP } from "./support/recording-adapter.js";

let h: Harness;
afterEach(async () => {
  await h?.bridge.stop();
  h?.host.cleanup();
});

describe("authorization", () => {
  it("subscribe → key → bind → subscribed, and the chat is told", async () => {
    h = await startBridge();
    await h.adapter.receive({ text: "/subscribe" });
    const reply = h.adapter.lastText(DIRECT);
    const pending = await h.bridge.admin.pending();
    expect(pending).toHaveLength(1);
    const key = pending[0]?.key ?? "";
    expect(key).toMatch(/^[A-Z2-9]{10}$/);
    expect(reply).toContain("🔑 Authorization required");
    expect(reply).toContain("Settings → IM Bridge");
    expect(reply).toContain(`cccc im bind --key ${key}`);
    expect(reply).toContain("10 minutes");
    expect(reply).toContain("Demo Group");
    expect(await h.bridge.admin.authorized()).toEqual([]);

    const result = await h.bridge.admin.bind(` \`${key.toLowerCase()}\` `);
    expect(result.chat).toEqual({ chat_id: DIRECT, chat_type: "direct", chat_title: "" });
    expect(h.adapter.lastText(DIRECT)).toContain(
      "✅ Approved. This chat is now subscribed to Demo Group [g_test]",
    );
    const [chat] = await h.bridge.admin.authorized();
    expect(chat).toMatchObject({
      chat_id: DIRECT,
      subscribed: true,
      paused: false,
      verbose: false,
      by: "user",
    });
    expect(await h.bridge.admin.pending()).toEqual([]);
    expect(h.host.kinds("im.")).toEqual([
      "im.started",
      "im.key_issued",
      "im.chat_authorized",
      "im.subscribed",
    ]);
    expect(h.bridge.status().subscribers).toBe(1);

    // single use
    await expect(h.bridge.admin.bind(key)).rejects.toMatchObject({ code: "invalid_key" });
  });

  it("repeated /subscribe reuses the unexpired key; an expired key is refused and replaced", async () => {
    h = await startBridge();
    await h.adapter.receive({ text: "/subscribe" });
    await h.adapter.receive({ text: "/sub" });
    const [first] = await h.bridge.admin.pending();
    expect(await h.bridge.admin.pending()).toHaveLength(1);
    h.clock.now += 10 * 60_000 + 1;
    expect(await h.bridge.admin.pending()).toEqual([]);
    await expect(h.bridge.admin.bind(first?.key ?? "")).rejects.toMatchObject({ code: "invalid_key" });
    await h.adapter.receive({ text: "/subscribe" });
    const [second] = await h.bridge.admin.pending();
    expect(second?.key).not.toBe(first?.key);
  });

  it("61 chats sending /subscribe do not push out a waiting chat's key (one key per chat)", async () => {
    h = await startBridge();
    await h.adapter.receive({ text: "/subscribe" });
    const key = (await h.bridge.admin.pending())[0]?.key ?? "";
    for (let i = 0; i < 61; i++) {
      await h.adapter.receive({ chatId: `cid-flood-${i}`, text: "/subscribe" });
      await h.adapter.receive({ chatId: `cid-flood-${i}`, text: "/subscribe" }); // same key again
    }
    expect(await h.bridge.admin.pending()).toHaveLength(62);
    expect(h.adapter.textsTo("cid-flood-3")).toHaveLength(2);
    const [first, again] = h.adapter.textsTo("cid-flood-3");
    expect(again).toBe(first);
    expect((await h.bridge.admin.bind(key)).chat.chat_id).toBe(DIRECT);
  });

  it("a repeated /subscribe refreshes the key; past the cap the key closest to expiry goes and its chat is told", async () => {
    h = await startBridge({}, { maxPendingKeys: 3 });
    await h.adapter.receive({ chatId: "cid-a", text: "/subscribe" });
    h.clock.now += 1000;
    await h.adapter.receive({ chatId: "cid-b", text: "/subscribe" });
    h.clock.now += 1000;
    await h.adapter.receive({ chatId: "cid-c", text: "/subscribe" });
    h.clock.now += 9 * 60_000; // a's key would expire in 58 s: /subscribe again renews it
    await h.adapter.receive({ chatId: "cid-a", text: "/subscribe" });
    const keyA = (await h.bridge.admin.pending()).find((p) => p.chat_id === "cid-a");
    expect(Date.parse(keyA?.expires_at ?? "")).toBe(h.clock.now + 10 * 60_000);
    await h.adapter.receive({ chatId: "cid-d", text: "/subscribe" });
    const waiting = (await h.bridge.admin.pending()).map((p) => p.chat_id).sort();
    expect(waiting).toEqual(["cid-a", "cid-c", "cid-d"]);
    expect(h.adapter.lastText("cid-b")).toBe(
      "⌛ Your authorization key expired before it was approved (too many chats were waiting at once). Send /subscribe again for a new key.",
    );
    expect(h.host.kinds("im.key_")).toEqual([
      "im.key_issued",
      "im.key_issued",
      "im.key_issued",
      "im.key_issued",
      "im.key_evicted",
    ]);
    expect(h.adapter.textsTo("cid-a").every((t) => !t.startsWith("⌛"))).toBe(true);
    await h.bridge.admin.bind(keyA?.key ?? "");
  });

  it("wrong keys lock bind out per source (5 in 10 min) and in all (20), across a restart", async () => {
    h = await startBridge();
    await h.adapter.receive({ text: "/subscribe" });
    const key = (await h.bridge.admin.pending())[0]?.key ?? "";
    for (let i = 0; i < 5; i++) {
      h.clock.now += 1000;
      await expect(h.bridge.admin.bind(`WRONGKEY${i}Z`)).rejects.toMatchObject({ code: "invalid_key" });
    }
    await h.restart(); // the count is in the state directory, not in memory
    const locked = h.bridge.admin.bind(key);
    await expect(locked).rejects.toMatchObject({ code: "too_many_attempts", status: 429 });
    await expect(locked).rejects.toThrow(/Too many attempts: 5 wrong keys in 10 minutes\. Wait 10 minutes/);
    // Another source still may, until 20 failures from everyone lock all out.
    for (let i = 0; i < 15; i++)
      await expect(h.bridge.admin.bind(`OTHERKEY${i}`, "user", `actor:a${i % 3}`)).rejects.toMatchObject({
        code: "invalid_key",
      });
    await expect(h.bridge.admin.bind(key, "user", "actor:fresh")).rejects.toThrow(
      /20 wrong keys from all sources in 10 minutes\. Wait 10 minutes/,
    );
    h.clock.now += 10 * 60_000 - 5000 + 1; // the first failure leaves the window
    await h.adapter.receive({ text: "/subscribe", messageId: "m-after-restart" }); // the first key expired: a new one
    const fresh = (await h.bridge.admin.pending())[0]?.key ?? "";
    await expect(h.bridge.admin.bind(fresh)).rejects.toThrow(/Wait 1 minute,/);
    h.clock.now += 5000;
    expect((await h.bridge.admin.bind(fresh)).chat.chat_id).toBe(DIRECT);
  });

  it("an unauthorized chat gets at most one hint a minute and nothing reaches the host", async () => {
    h = await startBridge();
    await h.adapter.receive({ text: "hello agents" });
    await h.adapter.receive({ text: "/send @all do it" });
    await h.adapter.receive({ text: "/status" });
    expect(h.adapter.textsTo(DIRECT)).toEqual([
      "🔒 This chat is not connected to CCCC yet. Send /subscribe to request access.",
    ]);
    h.clock.now += 61_000;
    await h.adapter.receive({ chatId: GROUP, text: "/pause" });
    await h.adapter.receive({ text: "again" });
    expect(h.adapter.textsTo(DIRECT)).toHaveLength(2);
    expect(h.adapter.textsTo(GROUP)).toHaveLength(1);
    expect(h.host.userMessages()).toEqual([]);
  });

  it("allowed users are approved on /subscribe without a key", async () => {
    h = await startBridge({ allowedUsers: ["staff-alice"] });
    await h.adapter.receive({ text: "/subscribe" });
    expect(h.adapter.lastText(DIRECT)).toContain("✅ Subscribed to Demo Group [g_test]");
    expect((await h.bridge.admin.authorized())[0]?.by).toBe("allowed_user:staff-alice");
    await h.adapter.receive({ chatId: "cid-bob", text: "/subscribe", staffId: "staff-bob", userId: "u-bob" });
    expect(h.adapter.lastText("cid-bob")).toContain("🔑");
  });

  it("revoke removes access and tells the chat; /unsubscribe revokes too", async () => {
    h = await startBridge();
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    expect(await h.bridge.admin.revoke(DIRECT)).toEqual({ revoked: true, unsubscribed: true });
    expect(h.adapter.lastText(DIRECT)).toContain("revoked");
    await h.adapter.receive({ text: "hi" });
    expect(h.host.userMessages()).toEqual([]);
    await h.adapter.receive({ chatId: GROUP, text: "/unsubscribe" });
    expect(h.adapter.lastText(GROUP)).toContain("👋 Unsubscribed");
    expect(await h.bridge.admin.authorized()).toEqual([]);
    expect(await h.bridge.admin.revoke("nope")).toEqual({ revoked: false, unsubscribed: false });
  });

  it("bind works while the bridge is stopped (state only)", async () => {
    h = await startBridge();
    await h.adapter.receive({ text: "/subscribe" });
    const key = (await h.bridge.admin.pending())[0]?.key ?? "";
    await h.bridge.stop();
    const sentBefore = h.adapter.sent.length;
    await h.bridge.admin.bind(key);
    expect(h.adapter.sent.length).toBe(sentBefore);
    expect((await h.bridge.admin.authorized())[0]?.subscribed).toBe(true);
  });
});
