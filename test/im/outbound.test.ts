import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChatSendQueue } from "../../src/im/send-queue.js";
import { FakeHost } from "./support/fake-host.js";
import { type Harness, startBridge, subscribeChat } from "./support/harness.js";
import { CodedError, DIRECT, GROUP } from "./support/recording-adapter.js";

let h: Harness;
afterEach(async () => {
  await h?.bridge.stop();
  h?.host.cleanup();
});

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const agentTexts = (chatId: string) => h.adapter.textsTo(chatId).filter((t) => t.startsWith("["));
/** Send attempts (failed ones too) of a text containing `part` to a chat. */
const attemptsTo = (chatId: string, part: string) =>
  h.adapter.attempts.filter(
    (a) => a.target.chatId === chatId && a.content.type === "text" && a.content.text.includes(part),
  ).length;

describe("outbound routing", () => {
  it("user-facing agent messages go to every subscribed chat; agent-to-agent only to verbose chats", async () => {
    h = await startBridge();
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    await h.adapter.receive({ chatId: GROUP, text: "/verbose on" });
    h.host.say("lead", "to you", ["user"]);
    h.host.say("lead", "broadcast");
    h.host.say("lead", "everyone", ["@all"]);
    h.host.say("lead", "please review", ["reviewer"]);
    h.host.say("reviewer", "to the boss", ["@foreman"]);
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual(["[Lead] to you", "[Lead] broadcast", "[Lead] everyone"]);
    expect(agentTexts(GROUP)).toEqual([
      "[Lead] to you",
      "[Lead] broadcast",
      "[Lead] everyone",
      "[Lead → Reviewer] please review",
      "[Reviewer → @foreman] to the boss",
    ]);
  });

  it("never echoes the user's own messages; system.notify only when public", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "my question" });
    h.host.write("chat.message", "user", { text: "from the web", to: [], attachments: [] });
    h.host.write("system.notify", "system", {
      kind: "error",
      title: "Actor crashed",
      message: "reviewer exited with code 1",
      target_actor_id: null,
      im_visibility: "public",
      priority: "high",
    });
    h.host.write("system.notify", "system", {
      kind: "x",
      message: "internal only",
      im_visibility: "internal",
    });
    h.host.write("system.notify", "system", {
      message: "for an actor",
      im_visibility: "public",
      target_actor_id: "lead",
    });
    h.host.write("actor.started", "system", { actor_id: "lead" });
    await h.bridge.idle();
    const texts = h.adapter.textsTo(DIRECT);
    expect(texts.some((t) => t.includes("my question") || t.includes("from the web"))).toBe(false);
    expect(texts.filter((t) => t.startsWith("[SYSTEM]"))).toEqual([
      "[SYSTEM] Actor crashed: reviewer exited with code 1",
    ]);
  });

  it("does not deliver to unauthorized, unsubscribed or revoked chats", async () => {
    h = await startBridge();
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    await h.bridge.admin.revoke(GROUP);
    await h.adapter.receive({ chatId: "cid-stranger", text: "/subscribe" });
    h.host.say("lead", "hello");
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual(["[Lead] hello"]);
    expect(agentTexts(GROUP)).toEqual([]);
    expect(agentTexts("cid-stranger")).toEqual([]);
  });

  it("swaps 🤔 for 🥳 when the reply to the forwarded message is delivered", async () => {
    h = await startBridge();
    await subscribeChat(h);
    const m = await h.adapter.receive({ text: "do it" });
    const ev = h.host.userMessages()[0];
    h.host.say("lead", "working on something else", ["reviewer"]);
    h.host.say("lead", "done", ["user"], { reply_to: ev?.id });
    await h.bridge.idle();
    await waitUntil(() => h.adapter.reactions.length >= 3); // reactions go through their own queue
    expect(h.adapter.reactions).toEqual([
      { messageId: m.messageId, emoji: "🤔", on: true },
      { messageId: m.messageId, emoji: "🤔", on: false },
      { messageId: m.messageId, emoji: "🥳", on: true },
    ]);
  });

  it("uploads an agent's attachment once and sends it before the text", async () => {
    h = await startBridge();
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    const att = await h.host.putBlob(Buffer.from("%PDF-1.4"), "report.pdf", "application/pdf");
    const img = await h.host.putBlob(Buffer.from("png"), "chart.png", "image/png");
    h.host.say("lead", "here is the report", ["user"], { attachments: [att, img] });
    await h.bridge.idle();
    expect(h.adapter.uploads.map((u) => u.name)).toEqual(["report.pdf", "chart.png"]);
    expect(agentTexts(DIRECT)).toEqual(["[Lead] here is the report"]);
    const sent = h.adapter.sent.filter((s) => s.target.chatId === GROUP).slice(-3);
    expect(sent.map((s) => s.content.type)).toEqual(["file", "image", "text"]);
    expect(sent[0]?.content).toEqual({
      type: "file",
      mediaId: "media-1",
      fileName: "report.pdf",
      fileType: "pdf",
    });
  });

  it("with files disabled, attachments are not uploaded and the text says so", async () => {
    h = await startBridge({ filesEnabled: false });
    await subscribeChat(h);
    const att = await h.host.putBlob(Buffer.from("x"), "a.txt", "text/plain");
    h.host.say("lead", "file for you", ["user"], { attachments: [att] });
    await h.bridge.idle();
    expect(h.adapter.uploads).toEqual([]);
    expect(h.adapter.lastText(DIRECT)).toContain("1 attachment was not sent: file sending is off");
  });
});

describe("durable cursor", () => {
  it("catches up after a restart with messages written while stopped, without duplicates", async () => {
    h = await startBridge();
    await subscribeChat(h);
    h.host.say("lead", "before");
    await h.bridge.idle();
    await h.bridge.stop();
    h.host.say("lead", "while down 1");
    h.host.say("reviewer", "while down 2", ["user"]);
    const cursor = JSON.parse(readFileSync(join(h.host.stateDir, "outbound-cursor.json"), "utf8"));
    expect(cursor.seq).toBeLessThan(h.host.lastSeq());
    await h.restart();
    h.host.say("lead", "after");
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual(["[Lead] while down 1", "[Reviewer] while down 2", "[Lead] after"]);
    await h.restart();
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual([]);
    expect(h.host.listenerCount).toBe(1);
  });

  it("the first run starts at the end of the ledger", async () => {
    const host = new FakeHost();
    host.say("lead", "ancient history");
    h = await startBridge({}, {}, host);
    await subscribeChat(h);
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual([]);
  });

  it("a chat that already got an event is not sent it again after a crash before the cursor moved", async () => {
    h = await startBridge({}, { retry: { baseMs: 5, maxMs: 10, attempts: 10_000 } });
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    let blockGroup = true;
    h.adapter.sendHook = (t) => (blockGroup && t.chatId === GROUP ? new CodedError("throttled") : undefined);
    h.host.say("lead", "one");
    await waitUntil(() => agentTexts(DIRECT).length > 0 && attemptsTo(GROUP, "one") > 0);
    expect(agentTexts(DIRECT)).toEqual(["[Lead] one"]);
    await h.bridge.stop(); // GROUP never got it: the cursor stays before "one"
    blockGroup = false;
    await h.restart();
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual([]);
    expect(agentTexts(GROUP)).toEqual(["[Lead] one"]);
  });

  it("a corrupt state file is a clear error naming the file", async () => {
    h = await startBridge();
    await h.bridge.stop();
    writeFileSync(join(h.host.stateDir, "subscriptions.json"), "{not json");
    await expect(h.restart()).rejects.toMatchObject({ code: "im_state_corrupt" });
    await expect(h.bridge.start()).rejects.toThrow(/subscriptions\.json is corrupt/);
  });
});

/** Hold the send of the text containing `part` (the chat's queue waits behind it) until released. */
function holdSend(part: string): () => void {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const send = h.adapter.send.bind(h.adapter);
  h.adapter.send = async (t, c) => {
    if (c.type === "text" && c.text.includes(part)) await held;
    return send(t, c);
  };
  return release;
}

describe("send queue", () => {
  it("a final answer goes before queued verbose traffic; after a restart neither is lost nor repeated", async () => {
    h = await startBridge({}, { retry: { baseMs: 5, maxMs: 10, attempts: 10_000 } });
    await subscribeChat(h, GROUP);
    await h.adapter.receive({ chatId: GROUP, chatType: "group", text: "/verbose on" });
    await h.bridge.idle();
    let blockV1 = false;
    h.adapter.sendHook = (_t, c) =>
      blockV1 && c.type === "text" && c.text.includes("v1") ? new CodedError("throttled") : undefined;
    // v0 is in flight while v1, v2 and the final answer queue behind it.
    const releaseV0 = holdSend("v0");
    const queued = vi.spyOn(ChatSendQueue.prototype, "push");
    h.host.say("lead", "v0", ["reviewer"]);
    h.host.say("lead", "v1", ["reviewer"]);
    h.host.say("lead", "v2", ["reviewer"]);
    const final = h.host.say("lead", "final", ["user"]);
    await waitUntil(() => queued.mock.calls.some(([job]) => job.label === `event #${final.seq}`));
    queued.mockRestore();
    // `cccc im status` shows them waiting: v0 being sent, v1, v2 and the final answer queued.
    expect(h.bridge.status()).toMatchObject({ outbound_waiting: 4, outbound_waiting_chats: 1 });
    blockV1 = true;
    releaseV0();
    await waitUntil(() => agentTexts(GROUP).length >= 2);
    await waitUntil(() => attemptsTo(GROUP, "v1") > 0); // v1 is now retrying
    expect(agentTexts(GROUP)).toEqual(["[Lead → Reviewer] v0", "[Lead] final"]);
    await h.bridge.stop();
    blockV1 = false;
    await h.restart();
    await h.bridge.idle();
    expect(agentTexts(GROUP)).toEqual(["[Lead → Reviewer] v1", "[Lead → Reviewer] v2"]);
    await waitUntil(() => h.bridge.status().outbound_waiting === 0);
    expect(h.bridge.status().outbound_waiting_chats).toBe(0);
  });

  it("/status tells a chat how many messages are queued for it", async () => {
    h = await startBridge();
    await subscribeChat(h);
    const releaseA0 = holdSend("a0");
    for (const text of ["a0", "a1", "a2"]) h.host.say("lead", text);
    await waitUntil(() => h.bridge.status().outbound_waiting === 3); // a0 in flight, a1 and a2 behind it
    const asked = h.adapter.receive({ text: "/status" }); // its answer waits in the same queue
    await waitUntil(() => h.bridge.status().outbound_waiting === 4);
    releaseA0();
    await asked;
    await h.bridge.idle();
    expect(h.adapter.lastText(DIRECT)).toContain(
      "⏳ 3 messages queued for this chat: the rate limit paces them, in order, none dropped",
    );
    await h.adapter.receive({ text: "/status" }); // nothing queued: no such line
    expect(h.adapter.lastText(DIRECT)).toContain("This chat: subscribed");
    expect(h.adapter.lastText(DIRECT)).not.toContain("⏳");
  });

  it("retries a throttled send and keeps the order", async () => {
    h = await startBridge();
    await subscribeChat(h);
    let failures = 2;
    h.adapter.sendHook = (_t, c) =>
      c.type === "text" && c.text.includes("first") && failures-- > 0
        ? new CodedError("throttled")
        : undefined;
    h.host.say("lead", "first");
    h.host.say("lead", "second");
    h.host.say("lead", "third");
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual(["[Lead] first", "[Lead] second", "[Lead] third"]);
    expect(
      h.adapter.attempts.filter((a) => a.content.type === "text" && a.content.text.includes("first")),
    ).toHaveLength(3);
  });

  it("a gone chat is marked and skipped without blocking the others", async () => {
    h = await startBridge();
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    h.adapter.sendHook = (t) =>
      t.chatId === GROUP ? new CodedError("dingtalk_chat_gone", "robot not in group") : undefined;
    h.host.say("lead", "a");
    h.host.say("lead", "b");
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual(["[Lead] a", "[Lead] b"]);
    const group = (await h.bridge.admin.authorized()).find((c) => c.chat_id === GROUP);
    expect(group?.gone?.reason).toContain("dingtalk_chat_gone");
    const groupAttempts = h.adapter.attempts.filter((a) => a.target.chatId === GROUP).length;
    h.adapter.sendHook = undefined;
    h.host.say("lead", "c");
    await h.bridge.idle();
    expect(h.adapter.attempts.filter((a) => a.target.chatId === GROUP).length).toBe(groupAttempts);
    // the chat speaks again: it is back
    await h.adapter.receive({ chatId: GROUP, text: "/status" });
    h.host.say("lead", "d");
    await h.bridge.idle();
    expect(agentTexts(GROUP)).toEqual(["[Lead] d"]);
  });

  it("gives up on a non-retryable failure with a log line and an internal system notice", async () => {
    h = await startBridge();
    await subscribeChat(h);
    h.adapter.sendHook = (_t, c) =>
      c.type === "text" && c.text.includes("bad") ? new CodedError("dingtalk_invalid_param") : undefined;
    h.host.say("lead", "bad");
    h.host.say("lead", "good");
    await h.bridge.idle();
    expect(agentTexts(DIRECT)).toEqual(["[Lead] good"]);
    const notice = h.host.events.find((e) => e.kind === "system.notify");
    expect(notice?.data).toMatchObject({ kind: "im_delivery_failed", im_visibility: "internal" });
    expect(h.host.logs.some((l) => l.includes("dingtalk_invalid_param") && l.includes("not retryable"))).toBe(
      true,
    );
  });

  it("stop() does not hang on a chat whose sends keep failing", async () => {
    h = await startBridge({}, { retry: { baseMs: 5, maxMs: 10, attempts: 10_000 } });
    await subscribeChat(h);
    h.adapter.sendHook = () => new CodedError("throttled");
    const pending = h.adapter.receive({ text: "/status" });
    h.host.say("lead", "stuck");
    // Failing and retrying (the /status answer, queued first, or the agent's message behind it).
    await waitUntil(() => h.adapter.attempts.filter((a) => a.target.chatId === DIRECT).length >= 2);
    const t0 = Date.now();
    await h.bridge.stop();
    await pending;
    expect(Date.now() - t0).toBeLessThan(1000);
    h.adapter.sendHook = undefined;
    await h.restart();
    await h.bridge.idle();
    expect(h.adapter.textsTo(DIRECT)).toEqual(["[Lead] stuck"]);
  });
});
