// Every DingTalk call goes over kept-alive connections (transport/http-pool.ts): N calls of every
// kind (token, sends, reactions, download, upload, redirects) cost a few connections, not N.
import { afterEach, describe, expect, it } from "vitest";
import { DingTalkApi } from "../../../src/im/dingtalk/api.js";
import { type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";

let fake: FakeDingTalk;
let api: DingTalkApi;

async function setup(idleMs?: number): Promise<void> {
  fake = await startFakeDingTalk({ redeliverAfterMs: null, limits: null });
  api = new DingTalkApi({
    ...fake.client,
    retryBaseMs: 10,
    ...(idleMs ? { connections: { idleMs } } : {}),
  });
}

afterEach(async () => {
  api?.close();
  await fake?.close();
});

const md = JSON.stringify({ title: "t", text: "hello" });
const react = (i: number) =>
  api.emotion("reply", {
    robotCode: fake.app.appKey,
    openMsgId: `msg-${i}`,
    openConversationId: "cid-keep",
    emotionType: 2,
    emotionName: "🤔",
  });

describe("DingTalk API over kept-alive connections", () => {
  it("60 sequential calls of every kind reuse one connection", async () => {
    await setup();
    const bytes = Buffer.alloc(2048, 3);
    fake.addFile("dc-keep", bytes, "application/pdf", { name: "a.pdf" });
    for (let i = 0; i < 20; i++) {
      await api.sendToGroup("cid-keep", "sampleMarkdown", md, fake.app.appKey);
      await react(i);
    }
    for (let i = 0; i < 10; i++) {
      expect((await api.downloadFile("dc-keep", fake.app.appKey, 4096)).bytes.equals(bytes)).toBe(true);
      await api.uploadMedia(bytes, `f${i}.pdf`, "file", "application/pdf");
    }
    const webhook = String(fake.robotMessage({ chat: "group", conversationId: "cid-keep" }).sessionWebhook);
    fake.fail("webhook", { redirect: webhook, status: 307 }, 3);
    await api.sendBySessionWebhook(webhook, { msgtype: "text", text: { content: "after redirects" } });
    expect(fake.sent).toHaveLength(21);
    expect(fake.emotions).toHaveLength(20);
    expect(fake.uploads).toHaveLength(10);
    expect(fake.requests.length).toBeGreaterThan(60);
    expect(fake.sockets.seen).toBe(1);
    expect(api.connections()).toEqual({ open: 1, idle: 1 });
  });

  it("a burst of 100 concurrent reactions uses at most 8 connections at once; idle ones close", async () => {
    await setup(3_000);
    await api.getAccessToken();
    let most = 0;
    const sample = setInterval(() => {
      most = Math.max(most, api.connections().open);
    }, 2);
    await Promise.all(Array.from({ length: 100 }, (_, i) => react(i)));
    clearInterval(sample);
    expect(fake.emotions).toHaveLength(100);
    // At most 8 at once; a sampler every 2 ms on a loaded machine may miss the moment all 8 were open.
    expect(most).toBeLessThanOrEqual(8);
    expect(most).toBeGreaterThan(2);
    // Paced at 20 calls/s, the tail of the burst needs fewer: connections idle for 3 s may close
    // and be opened again when a wave needs them, but nowhere near one per call.
    expect(fake.sockets.seen).toBeLessThan(20);
    await fake.waitFor(() => fake.sockets.open === 0, 8_000, "idle connections closed");
    expect(api.connections()).toEqual({ open: 0, idle: 0 });
  });

  it("close() closes every connection at once", async () => {
    await setup();
    await Promise.all(Array.from({ length: 10 }, (_, i) => react(i)));
    expect(fake.sockets.open).toBeGreaterThan(0);
    api.close();
    await fake.waitFor(() => fake.sockets.open === 0, 1_000, "connections closed");
    expect(api.connections()).toEqual({ open: 0, idle: 0 });
  });
});
