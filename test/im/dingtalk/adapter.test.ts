import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DingTalkAdapter, type DingTalkAdapterConfig } from "../../../src/im/dingtalk/adapter.js";
import type { ChatTarget, InboundMessage } from "../../../src/im/types.js";
import { type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";

let fake: FakeDingTalk;
let adapter: DingTalkAdapter | undefined;
let dir: string;
const logs: string[] = [];

async function setup(config: Partial<DingTalkAdapterConfig> = {}) {
  fake = await startFakeDingTalk({ redeliverAfterMs: null });
  dir = mkdtempSync(join(tmpdir(), "cccc-adapter-"));
  adapter = new DingTalkAdapter({ ...baseConfig(), ...config });
  return adapter;
}

function baseConfig(): DingTalkAdapterConfig {
  return {
    ...fake.client,
    stateDir: dir,
    log: (l) => logs.push(l),
    api: { retryBaseMs: 10 },
    stream: { disconnectJitterMs: 0, backoffBaseMs: 20 },
  };
}

async function started(): Promise<{ a: DingTalkAdapter; inbox: InboundMessage[] }> {
  const a = await setup();
  const inbox: InboundMessage[] = [];
  await a.start(async (m) => {
    inbox.push(m);
  });
  return { a, inbox };
}

async function receive(inbox: InboundMessage[], payload: Record<string, unknown>): Promise<InboundMessage> {
  fake.push(payload);
  return fake.waitFor(() => inbox.find((m) => m.messageId === payload.msgId), 2_000, "inbound message");
}

const target = (m: InboundMessage): ChatTarget => ({
  chatId: m.chatId,
  chatType: m.chatType,
  reply: m.reply,
});

afterEach(async () => {
  await adapter?.stop();
  adapter = undefined;
  logs.length = 0;
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("DingTalkAdapter against the fake", () => {
  it("start() fails fast with the classified error on bad credentials", async () => {
    const a = await setup({ appSecret: "wrong" });
    await expect(a.start(async () => {})).rejects.toMatchObject({ code: "dingtalk_invalid_app_key" });
    expect(fake.stream.gatewayOpens).toBe(0);
    expect(a.status().connected).toBe(false);
  });

  it("delivers decoded inbound messages and reports status", async () => {
    const { a, inbox } = await started();
    expect(a.status()).toMatchObject({ connected: true, reconnects: 0 });
    expect(a.status().connectedSince).toBeDefined();
    const payload = fake.robotMessage({ chat: "group", text: "/status" });
    const m = await receive(inbox, payload);
    expect(m).toMatchObject({
      platform: "dingtalk",
      chatType: "group",
      chatId: payload.conversationId,
      text: "/status",
    });
    expect(m.reply?.sessionWebhook).toBe(payload.sessionWebhook);
    await a.stop();
    expect(a.status().connected).toBe(false);
  });

  it("replies through the sessionWebhook while it is valid", async () => {
    const { a, inbox } = await started();
    const m = await receive(inbox, fake.robotMessage({ chat: "group" }));
    await a.send(target(m), { type: "markdown", title: "Reply", text: "**done**" });
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({ via: "webhook", target: { conversationId: m.chatId } });
    expect(JSON.stringify(fake.sent[0]?.msgParam)).toContain("done");
  });

  it("falls back to groupMessages/send when the webhook has expired", async () => {
    const { a, inbox } = await started();
    const m = await receive(inbox, fake.robotMessage({ chat: "group" }));
    fake.expireSession(String(m.reply?.sessionWebhook)); // expired server-side, still "valid" locally
    await a.send(target(m), { type: "text", text: "fallback please" });
    expect(fake.sent.map((s) => s.via)).toEqual(["group"]);
    expect(fake.sent[0]).toMatchObject({
      target: { openConversationId: m.chatId },
      robotCode: fake.app.appKey,
    });
    expect(JSON.stringify(fake.sent[0]?.msgParam)).toContain("fallback please");
    expect(logs.some((l) => l.includes("dingtalk_webhook_expired"))).toBe(true);
  });

  it("learns the robot code from an inbound message when none is configured, and keeps it", async () => {
    const app = {
      appKey: "dingAppWithRobot",
      appSecret: "secret-with-robot-0123",
      robotCode: "dingRobotCode42",
    };
    const a = await setup({ appKey: app.appKey, appSecret: app.appSecret });
    fake.addApp(app);
    const inbox: InboundMessage[] = [];
    await a.start(async (m) => {
      inbox.push(m);
    });
    const m = await receive(inbox, fake.robotMessage({ chat: "group", robotCode: app.robotCode }));
    fake.expireSession(String(m.reply?.sessionWebhook));
    await a.send(target(m), { type: "text", text: "with the learned code" });
    expect(fake.sent.at(-1)?.robotCode).toBe(app.robotCode);
    await a.stop();
    const again = new DingTalkAdapter({ ...baseConfig(), appKey: app.appKey, appSecret: app.appSecret });
    await again.send({ chatId: m.chatId, chatType: "group" }, { type: "text", text: "after a restart" });
    expect(fake.sent.at(-1)?.robotCode).toBe(app.robotCode);
  });

  it("uses oToMessages/batchSend for a direct chat whose webhook is past its expiry", async () => {
    const { a, inbox } = await started();
    const m = await receive(inbox, fake.robotMessage({ chat: "direct", senderStaffId: "staff-42" }));
    const stale = { ...m.reply, sessionWebhookExpiresAt: Date.now() - 1 };
    const before = fake.requests.length;
    await a.send({ ...target(m), reply: stale }, { type: "text", text: "direct" });
    expect(fake.requests.slice(before).map((r) => r.path)).not.toContain("/robot/sendBySession");
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({ via: "users", target: { userIds: ["staff-42"] } });
  });

  it("never posts to a webhook on a foreign host; it uses the OpenAPI instead", async () => {
    const { a, inbox } = await started();
    const m = await receive(inbox, fake.robotMessage({ chat: "group" }));
    const evil = { ...m.reply, sessionWebhook: "https://evil.example.com/robot/sendBySession?session=1" };
    await a.send({ ...target(m), reply: evil }, { type: "text", text: "safe" });
    expect(fake.sent.map((s) => s.via)).toEqual(["group"]);
    expect(logs.some((l) => l.includes("dingtalk_untrusted_url"))).toBe(true);
  });

  it("downloads inbound files and uploads outbound ones", async () => {
    const { a, inbox } = await started();
    const bytes = Buffer.from("%PDF-1.7 fake");
    const m = await receive(
      inbox,
      fake.robotMessage({ type: "file", fileName: "spec.pdf", file: { bytes, mime: "application/pdf" } }),
    );
    const file = m.files[0];
    if (!file) throw new Error("decoded message has no file");
    const got = await a.download(file, 1024 * 1024);
    expect(got).toMatchObject({ name: "spec.pdf", mime: "application/pdf" });
    expect(got.bytes.equals(bytes)).toBe(true);
    await expect(a.download(file, 4)).rejects.toMatchObject({ code: "dingtalk_file_too_large" });

    const { mediaId } = await a.upload({ bytes: Buffer.from("img"), name: "a.png", mime: "image/png" });
    expect(fake.uploads[0]).toMatchObject({ mediaId, type: "image", name: "a.png" });
  });

  it("adds and recalls an emotion reaction on the user's message", async () => {
    const { a, inbox } = await started();
    const m = await receive(inbox, fake.robotMessage({ chat: "group" }));
    await a.react?.(m, "🤔Thinking", true);
    await a.react?.(m, "🤔Thinking", false);
    expect(fake.emotions.map((e) => e.action)).toEqual(["reply", "recall"]);
    expect(fake.emotions[0]?.body).toMatchObject({ openMsgId: m.messageId, openConversationId: m.chatId });
  });
});
