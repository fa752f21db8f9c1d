import { afterEach, describe, expect, it, vi } from "vitest";
import { type ApiConfig, DingTalkApi, isAllowedPlatformUrl } from "../../../src/im/dingtalk/api.js";
import { NetworkError, PlatformApiError, redact } from "../../../src/im/dingtalk/errors.js";
import {
  type FakeDingTalk,
  type FakeDingTalkOptions,
  startFakeDingTalk,
} from "../../fakes/dingtalk/index.js";

let fake: FakeDingTalk;
let apis: DingTalkApi[] = [];
let logs: string[] = [];

async function setup(opts: FakeDingTalkOptions = {}, config: Partial<ApiConfig> = {}): Promise<DingTalkApi> {
  fake = await startFakeDingTalk({ redeliverAfterMs: null, ...opts });
  return api(config);
}

function api(config: Partial<ApiConfig> = {}): DingTalkApi {
  const a = new DingTalkApi({
    ...fake.client,
    retryBaseMs: 20,
    retryMaxMs: 100,
    log: (l) => logs.push(l),
    ...config,
  });
  apis.push(a);
  return a;
}

const calls = (path: string) => fake.requests.filter((r) => r.path === path);
const GROUP = "/v1.0/robot/groupMessages/send";
const TOKEN = "/v1.0/oauth2/accessToken";
const DOWNLOAD = "/v1.0/robot/messageFiles/download";
const md = JSON.stringify({ title: "t", text: "hello" });

afterEach(async () => {
  vi.useRealTimers();
  for (const a of apis) a.close();
  apis = [];
  logs = [];
  await fake?.close();
});

describe("DingTalk API client against the fake", () => {
  it("caches the access token across calls", async () => {
    const a = await setup();
    const t1 = await a.getAccessToken();
    await a.sendToGroup("cidA", "sampleMarkdown", md, fake.app.appKey);
    await a.sendToGroup("cidA", "sampleMarkdown", md, fake.app.appKey);
    expect(await a.getAccessToken()).toBe(t1);
    expect(calls(TOKEN)).toHaveLength(1);
    expect(fake.sent).toHaveLength(2);
    expect(fake.sent[0]).toMatchObject({
      via: "group",
      msgKey: "sampleMarkdown",
      msgParam: { title: "t", text: "hello" },
      target: { openConversationId: "cidA" },
      robotCode: fake.app.appKey,
    });
  });

  it("refreshes the token before it expires", async () => {
    // Only the clock is fake (the fake server's sockets run on real timers): DingTalk's 2 h token
    // is refreshed 5 min early, and with a 1 s token halfway.
    vi.useFakeTimers({ toFake: ["Date"] });
    const a = await setup();
    await a.getAccessToken();
    vi.setSystemTime(Date.now() + 6_895_000);
    await a.getAccessToken();
    expect(calls(TOKEN)).toHaveLength(1);
    vi.setSystemTime(Date.now() + 10_000);
    await a.getAccessToken();
    expect(calls(TOKEN)).toHaveLength(2);

    await fake.close();
    const b = await setup({ tokenTtlSeconds: 1 });
    await b.getAccessToken();
    vi.setSystemTime(Date.now() + 490);
    await b.getAccessToken();
    expect(calls(TOKEN)).toHaveLength(1);
    vi.setSystemTime(Date.now() + 20);
    await b.getAccessToken();
    expect(calls(TOKEN)).toHaveLength(2);
  });

  it("refetches the token and retries once when DingTalk says it is invalid", async () => {
    const a = await setup();
    const t1 = await a.getAccessToken();
    fake.expireTokens();
    await a.sendToGroup("cidA", "sampleMarkdown", md, fake.app.appKey);
    expect(calls(GROUP).map((r) => r.status)).toEqual([401, 200]);
    expect(calls(TOKEN)).toHaveLength(2);
    expect(await a.getAccessToken()).not.toBe(t1);
    expect(logs.join("\n")).not.toContain(t1);
    expect(logs.join("\n")).not.toContain(fake.app.appSecret);
  });

  // Calls the client owns (token, download, reactions) are retried here; sends and uploads are
  // retried by their one owner, the bridge's send queue (test/im/transport/retry-owner.test.ts).
  it("retries 403 QPS throttling with backoff until it succeeds", async () => {
    const a = await setup();
    fake.addFile("dc-qps", Buffer.from("x"), "text/plain");
    fake.fail("download", "qps", 2);
    await a.downloadFile("dc-qps", fake.app.appKey, 1024);
    const calls_ = calls(DOWNLOAD);
    expect(calls_.map((r) => r.status)).toEqual([403, 403, 200]);
    expect((calls_[1]?.at ?? 0) - (calls_[0]?.at ?? 0)).toBeGreaterThanOrEqual(9); // ≥ half of 20 ms
  });

  it("retries 5xx until it succeeds", async () => {
    const a = await setup();
    fake.addFile("dc-5xx", Buffer.from("x"), "text/plain");
    fake.fail("download", "serverError", 2);
    await a.downloadFile("dc-5xx", fake.app.appKey, 1024);
    expect(calls(DOWNLOAD).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("gives up after maxAttempts with dingtalk_throttled", async () => {
    const a = await setup({}, { maxAttempts: 3 });
    fake.addFile("dc-limit", Buffer.from("x"), "text/plain");
    fake.fail("download", "qps", 10);
    await expect(a.downloadFile("dc-limit", fake.app.appKey, 1024)).rejects.toMatchObject({
      code: "dingtalk_throttled",
    });
    expect(calls(DOWNLOAD)).toHaveLength(3);
  });

  it("makes one attempt per send (its caller owns the retries) and classifies the failure", async () => {
    const a = await setup();
    fake.fail("groupSend", "qps", 1);
    const throttled = await a.sendToGroup("cidA", "sampleMarkdown", md, fake.app.appKey).catch((e) => e);
    expect(throttled).toMatchObject({ code: "dingtalk_throttled", retry: "after" });
    expect(throttled.retryAfterMs).toBeGreaterThanOrEqual(10); // the windows are held ½–1 × 20 ms
    fake.fail("groupSend", "serverError", 1);
    await expect(a.sendToGroup("cidA", "sampleMarkdown", md, fake.app.appKey)).rejects.toMatchObject({
      code: "dingtalk_server_error",
      retry: "backoff",
    });
    expect(calls(GROUP).map((r) => r.status)).toEqual([403, 503]);
    fake.fail("upload", "qps", 1); // HTTP 200 + errcode 90018: legacy throttling is classified too
    await expect(a.uploadMedia(Buffer.from("x"), "a.txt", "file")).rejects.toMatchObject({
      code: "dingtalk_throttled",
      retry: "after",
    });
    expect(calls("/media/upload")).toHaveLength(1);
    fake.fail("groupSend", "quota", 1);
    await expect(a.sendToGroup("cidA", "sampleMarkdown", md, fake.app.appKey)).rejects.toMatchObject({
      code: "dingtalk_quota_exhausted",
      retry: "no",
    });
  });

  it("classifies a wrong app key as dingtalk_invalid_app_key with the guide's wording", async () => {
    await setup();
    const bad = api({ appKey: "dingwrongkey" });
    const err = await bad.getAccessToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformApiError);
    expect(err).toMatchObject({ code: "dingtalk_invalid_app_key", platformCode: "invalidClientIdOrSecret" });
    expect((err as Error).message).toContain("Invalid appkey");
    expect((err as PlatformApiError).hint).toContain("Credentials & Basic Info");
    expect(calls(TOKEN)).toHaveLength(1); // never retried
  });

  it("names the missing permission (new API 403 and legacy 60011)", async () => {
    const a = await setup({
      apps: [{ appKey: "dingk", appSecret: "s3cret-value", deniedScopes: ["qyapi_robot_sendmsg"] }],
    });
    const err = await a.sendToGroup("cidA", "sampleMarkdown", md, "dingk").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "dingtalk_no_permission", scope: "qyapi_robot_sendmsg" });
    expect((err as Error).message).toContain("No permission");
    expect((err as Error).message).toContain("qyapi_robot_sendmsg");
    expect((err as PlatformApiError).hint).toContain("Permissions");
    fake.fail("upload", "noPermission");
    const legacy = await a.uploadMedia(Buffer.from("x"), "a.txt", "file").catch((e: unknown) => e);
    expect(legacy).toMatchObject({ code: "dingtalk_no_permission", platformCode: "60011" });
  });

  it("reports quota exhaustion and gone chats with their own codes, without retrying", async () => {
    const a = await setup();
    fake.fail("groupSend", "quota");
    await expect(a.sendToGroup("cidA", "sampleMarkdown", md, fake.app.appKey)).rejects.toMatchObject({
      code: "dingtalk_quota_exhausted",
    });
    fake.state.goneChats.add("cidGone");
    await expect(a.sendToGroup("cidGone", "sampleMarkdown", md, fake.app.appKey)).rejects.toMatchObject({
      code: "dingtalk_chat_gone",
    });
    expect(calls(GROUP)).toHaveLength(2);
  });

  it("sends through a live sessionWebhook and reports an expired one", async () => {
    const a = await setup();
    const msg = fake.robotMessage({ chat: "group" });
    const url = String(msg.sessionWebhook);
    await a.sendBySessionWebhook(url, { msgtype: "markdown", markdown: { title: "t", text: "hi" } });
    expect(fake.sent[0]).toMatchObject({
      via: "webhook",
      msgKey: "markdown",
      target: { conversationId: msg.conversationId },
    });
    fake.expireSession(url);
    await expect(
      a.sendBySessionWebhook(url, { msgtype: "text", text: { content: "x" } }),
    ).rejects.toMatchObject({
      code: "dingtalk_webhook_expired",
    });
  });

  it("accepts webhook and download URLs only on DingTalk or configured hosts", async () => {
    const a = await setup();
    const before = fake.requests.length;
    await expect(
      a.sendBySessionWebhook("https://evil.example.com/robot/sendBySession?session=x", { msgtype: "text" }),
    ).rejects.toMatchObject({ code: "dingtalk_untrusted_url" });
    expect(fake.requests.length).toBe(before);
    const real = ["https://api.dingtalk.com", "https://oapi.dingtalk.com"];
    expect(
      isAllowedPlatformUrl("https://oapi.dingtalk.com/robot/sendBySession?session=1", real, "webhook"),
    ).toBe(true);
    expect(isAllowedPlatformUrl("http://oapi.dingtalk.com/robot/sendBySession", real, "webhook")).toBe(false);
    expect(isAllowedPlatformUrl("https://dingtalk.com.evil.io/x", real, "webhook")).toBe(false);
    expect(isAllowedPlatformUrl("https://bucket.oss-cn-beijing.aliyuncs.com/f", real, "download")).toBe(true);
    expect(isAllowedPlatformUrl("https://bucket.oss-cn-beijing.aliyuncs.com/f", real, "webhook")).toBe(false);
    expect(isAllowedPlatformUrl("http://127.0.0.1:1/x", [fake.apiBase], "webhook")).toBe(false);
  });

  it("downloads a file and refuses one over the size cap (declared or streamed)", async () => {
    const a = await setup();
    const bytes = Buffer.alloc(4096, 7);
    fake.addFile("dc-ok", bytes, "application/pdf", { name: "report.pdf" });
    const got = await a.downloadFile("dc-ok", fake.app.appKey, 10_000);
    expect(got).toMatchObject({ mime: "application/pdf", name: "report.pdf" });
    expect(got.bytes.equals(bytes)).toBe(true);
    await expect(a.downloadFile("dc-ok", fake.app.appKey, 1024)).rejects.toMatchObject({
      code: "dingtalk_file_too_large",
    });
    fake.addFile("dc-chunked", bytes, "image/png", { chunked: true });
    await expect(a.downloadFile("dc-chunked", fake.app.appKey, 1024)).rejects.toMatchObject({
      code: "dingtalk_file_too_large",
    });
    await expect(a.downloadFile("dc-ok", "wrong-robot", 10_000)).rejects.toMatchObject({
      code: "dingtalk_robot_unavailable",
    });
  });

  it("uploads media as multipart and returns the media_id the fake recorded", async () => {
    const a = await setup();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const mediaId = await a.uploadMedia(png, "chart.png", "image", "image/png");
    expect(mediaId.startsWith("@")).toBe(true);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]).toMatchObject({ mediaId, type: "image", name: "chart.png", mime: "image/png" });
    expect(fake.uploads[0]?.bytes.equals(png)).toBe(true);
  });

  it("paces sends per chat with a sliding window: the whole budget at once, then as slots free", async () => {
    const a = await setup({}, { limits: { chatMessages: 2, chatWindowMs: 200 } });
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) await a.sendToGroup("cidP", "sampleMarkdown", md, fake.app.appKey);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  });

  it("a chat whose window is full does not hold up another chat", async () => {
    const a = await setup({}, { limits: { chatMessages: 1, chatWindowMs: 10_000 } });
    await a.sendToGroup("cidFull", "sampleMarkdown", md, fake.app.appKey);
    const t1 = Date.now();
    await a.sendToGroup("cidOther", "sampleMarkdown", md, fake.app.appKey);
    expect(Date.now() - t1).toBeLessThan(5_000); // cidFull's next slot is 10 s away
  });

  it("raises NetworkError when nothing answers", async () => {
    await setup();
    const port = new URL(fake.apiBase).port;
    await fake.close();
    const a = api({ apiBase: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const err = await a.getAccessToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: "dingtalk_network_error" });
    fake = await startFakeDingTalk(); // afterEach closes it
  });

  it("redacts secrets and sensitive query values", () => {
    const text = "GET /x?access_token=abc123&session=deadbeef secret=topsecret-1";
    expect(redact(text, ["topsecret-1"])).toBe("GET /x?access_token=***&session=*** secret=***");
  });
});
