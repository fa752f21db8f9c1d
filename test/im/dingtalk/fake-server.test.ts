import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";

let fake: FakeDingTalk;
afterEach(() => fake.close());

async function openGateway(): Promise<{ endpoint: string; ticket: string }> {
  const res = await fetch(`${fake.apiBase}/v1.0/gateway/connections/open`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      clientId: fake.app.appKey,
      clientSecret: fake.app.appSecret,
      subscriptions: [{ type: "CALLBACK", topic: "/v1.0/im/bot/messages/get" }],
    }),
  });
  return (await res.json()) as { endpoint: string; ticket: string };
}

function connect(url: string): Promise<{ ws?: WebSocket; error?: string }> {
  const ws = new WebSocket(url);
  return new Promise((resolve) => {
    ws.once("open", () => resolve({ ws }));
    ws.once("error", (e) => resolve({ error: e.message }));
  });
}

describe("fake DingTalk server", () => {
  it("accepts a ticket once and redelivers a push that a raw client never acks", async () => {
    fake = await startFakeDingTalk({ redeliverAfterMs: 100 });
    const { endpoint, ticket } = await openGateway();
    const first = await connect(`${endpoint}?ticket=${ticket}`);
    expect(first.ws).toBeDefined();
    const reuse = await connect(`${endpoint}?ticket=${ticket}`);
    expect(reuse.error).toContain("401");

    const frames: { headers: { messageId: string }; data: string }[] = [];
    first.ws?.on("message", (raw) => frames.push(JSON.parse(raw.toString())));
    const payload = fake.robotMessage();
    fake.push(payload);
    await fake.waitFor(() => frames.length >= 2, 2_000, "redelivery");
    expect(frames[1]?.headers.messageId).toBe(frames[0]?.headers.messageId);
    expect(JSON.parse(frames[1]?.data ?? "{}").msgId).toBe(payload.msgId);
    first.ws?.terminate();
  });

  it("speaks the legacy token API and DingTalk's error bodies", async () => {
    fake = await startFakeDingTalk();
    const ok = await fetch(
      `${fake.oapiBase}/gettoken?appkey=${fake.app.appKey}&appsecret=${fake.app.appSecret}`,
    );
    expect(await ok.json()).toMatchObject({ errcode: 0, expires_in: 7200 });
    const bad = await fetch(`${fake.oapiBase}/gettoken?appkey=nope&appsecret=x`);
    expect(bad.status).toBe(200);
    expect(await bad.json()).toMatchObject({ errcode: 40096 });
    const noToken = await fetch(`${fake.apiBase}/v1.0/robot/groupMessages/send`, {
      method: "POST",
      body: "{}",
    });
    expect(noToken.status).toBe(400);
    expect(await noToken.json()).toMatchObject({ code: "AuthenticationFailed.MissingParameter" });
  });
});
