// The per-hop URL guard (issue 15 item 1): address classes, the host allow-list with DNS, the
// daemon's own address, and the redirect rules of fetchGuarded against the fake DingTalk.
import { afterEach, describe, expect, it } from "vitest";
import { DingTalkApi } from "../../../src/im/dingtalk/api.js";
import { hopGuard } from "../../../src/im/dingtalk/url-guard.js";
import { isInternalAddress, isOwnListener, registerOwnListener } from "../../../src/im/net-guard.js";
import { type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";

const REAL = ["https://api.dingtalk.com", "https://oapi.dingtalk.com"];
const dns =
  (map: Record<string, string[]>) =>
  async (host: string): Promise<string[]> => {
    const hit = map[host];
    if (!hit) throw new Error("ENOTFOUND");
    return hit;
  };

describe("isInternalAddress", () => {
  it.each([
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::5",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:7f00:1",
    "::ffff:a9fe:a9fe",
    "not-an-ip",
  ])("%s is internal", (ip) => expect(isInternalAddress(ip)).toBe(true));
  it.each(["203.0.113.7", "8.8.8.8", "172.32.0.1", "2001:db8::1", "::ffff:8.8.8.8"])("%s is public", (ip) =>
    expect(isInternalAddress(ip)).toBe(false),
  );
});

describe("hopGuard", () => {
  it("accepts DingTalk hosts that resolve to public addresses only", async () => {
    const guard = hopGuard(REAL, dns({ "robot.dingtalk.com": ["203.0.113.7"] }));
    // The addresses it checked: the request connects only to those (dns-pinning.test.ts).
    await expect(
      guard(new URL("https://robot.dingtalk.com/robot/sendBySession"), "webhook"),
    ).resolves.toEqual(["203.0.113.7"]);
    // Exactly a configured base: trusted as written, not resolved here, not pinned.
    await expect(guard(new URL("https://oapi.dingtalk.com/robot/sendBySession"), "webhook")).resolves.toBe(
      undefined,
    );
  });

  it("refuses a DingTalk-looking host that resolves to a private or metadata address", async () => {
    const guard = hopGuard(
      REAL,
      dns({
        "evil.dingtalk.com": ["203.0.113.7", "10.0.0.5"],
        "bucket.oss-cn-x.aliyuncs.com": ["169.254.169.254"],
      }),
    );
    await expect(guard(new URL("https://evil.dingtalk.com/x"), "webhook")).rejects.toMatchObject({
      code: "dingtalk_untrusted_url",
      message: expect.stringMatching(/internal address.*10\.0\.0\.5/),
    });
    await expect(guard(new URL("https://bucket.oss-cn-x.aliyuncs.com/f"), "download")).rejects.toMatchObject({
      code: "dingtalk_untrusted_url",
    });
    await expect(guard(new URL("https://nowhere.dingtalk.com/"), "webhook")).rejects.toMatchObject({
      message: expect.stringMatching(/does not resolve/),
    });
  });

  it("refuses other schemes, other hosts and plain http to DingTalk", async () => {
    const guard = hopGuard(REAL, dns({}));
    for (const raw of ["file:///etc/passwd", "http://oapi.dingtalk.com/x", "https://127.0.0.1/x"]) {
      await expect(guard(new URL(raw), "webhook")).rejects.toMatchObject({ code: "dingtalk_untrusted_url" });
    }
  });

  it("trusts exactly a configured base on loopback, not another port, never the daemon's own", async () => {
    const base = "http://127.0.0.1:40001";
    const guard = hopGuard([base], dns({}));
    await expect(guard(new URL(`${base}/files/x`), "download")).resolves.toBe(undefined);
    await expect(guard(new URL("http://127.0.0.1:40002/files/x"), "download")).rejects.toMatchObject({
      code: "dingtalk_untrusted_url",
    });
    const forget = registerOwnListener("127.0.0.1", 40001); // as if the API base were the daemon
    try {
      expect(isOwnListener(new URL("http://localhost:40001/api/v1/health"))).toBe(true);
      expect(isOwnListener(new URL("http://2130706433:40001/"))).toBe(true); // decimal 127.0.0.1
      expect(isOwnListener(new URL("http://[::ffff:127.0.0.1]:40001/"))).toBe(true);
      expect(isOwnListener(new URL("http://127.0.0.1:40002/"))).toBe(false);
      await expect(guard(new URL(`${base}/api/v1/groups/g/stop`), "webhook")).rejects.toMatchObject({
        message: expect.stringMatching(/own API/),
      });
    } finally {
      forget();
    }
    expect(isOwnListener(new URL("http://127.0.0.1:40001/"))).toBe(false);
  });
});

describe("fetchGuarded redirect rules (through DingTalkApi and the fake)", () => {
  let fake: FakeDingTalk;
  let api: DingTalkApi;
  afterEach(async () => {
    api?.close();
    await fake?.close();
  });
  async function setup(): Promise<void> {
    fake = await startFakeDingTalk({ redeliverAfterMs: null });
    api = new DingTalkApi({
      ...fake.client,
      retryBaseMs: 10,
      retryMaxMs: 20,
    });
  }
  const webhook = () => {
    const payload = fake.robotMessage({ chat: "group", conversationId: "cid-r" });
    return String(payload.sessionWebhook);
  };
  const text = { msgtype: "text", text: { content: "hi" } };

  it("307 on the same origin resends the POST body", async () => {
    await setup();
    const url = webhook();
    fake.fail("webhook", { redirect: url, status: 307 });
    await api.sendBySessionWebhook(url, text);
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]?.body).toEqual(text);
  });

  it("307 to another host is refused without sending the body there", async () => {
    await setup();
    const other = await startFakeDingTalk({ redeliverAfterMs: null });
    try {
      const url = webhook();
      fake.fail("webhook", { redirect: `${other.oapiBase}/robot/sendBySession?session=x`, status: 307 });
      await expect(api.sendBySessionWebhook(url, text)).rejects.toMatchObject({
        code: "dingtalk_untrusted_url",
        message: expect.stringMatching(/307 redirect that would resend a POST body/),
      });
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it("302 after a POST continues as a GET without the body", async () => {
    await setup();
    const url = webhook();
    fake.fail("webhook", { redirect: url, status: 302 });
    await expect(api.sendBySessionWebhook(url, text)).rejects.toBeTruthy();
    expect(fake.sent).toHaveLength(0);
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toContain("GET 404");
  });

  it("stops after 5 redirects", async () => {
    await setup();
    fake.addFile("dc-loop", Buffer.from("x"), "text/plain");
    const self = `${fake.apiBase}/files/${fake.state.createDownloadUrl("dc-loop", 60_000)}`;
    fake.fail("file", { redirect: self, status: 302 }, 6);
    await expect(api.downloadFile("dc-loop", fake.app.appKey, 1024)).rejects.toMatchObject({
      message: expect.stringMatching(/more than 5 redirects/),
    });
    fake.fail("file", { redirect: self, status: 302 }, 5);
    await expect(api.downloadFile("dc-loop", fake.app.appKey, 1024)).resolves.toMatchObject({
      bytes: Buffer.from("x"),
    });
  });

  it("the Stream endpoint from the gateway passes the same guard", async () => {
    await setup();
    fake.fail("gateway", { status: 200, body: { endpoint: "ws://127.0.0.1:1/connect", ticket: "t" } });
    await expect(api.openStreamConnection()).rejects.toMatchObject({ code: "dingtalk_untrusted_url" });
    await expect(api.openStreamConnection()).resolves.toMatchObject({ ticket: expect.any(String) });
  });
});
