import { timingSafeEqual } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  decryptEvent,
  encryptEvent,
  eventSignature,
  handleWebhookRequest,
  robotSign,
  safeEqual,
  verifyEventSignature,
  verifyRobotSignature,
} from "../../../src/im/dingtalk/webhook.js";

// Spy on the real constant-time compare to prove the verifiers use it.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

// protocol §4.1 (self-generated, verified) and §4.2 vectors A, B, C.
const ROBOT = [
  { secret: "SEC000000", ts: "1700000000000", sign: "A+KC3I4p0mgxsFnN5H+cnrVpt7UWSBbevMlmsBlxam4=" },
  {
    secret: "tR9fXkz0Qe1jEw8m_DemoSecret_Not_Real_0123456789abcdefABCDEF",
    ts: "1717000000000",
    sign: "tq5orTVRGzm5XuCyIP6CbEVsykcVDzaQqdlfS+0+1to=",
  },
];
const KEY_A = "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus";
const EVENTS = [
  {
    name: "A",
    token: "tokenxxxx",
    aesKey: KEY_A,
    owner: "dingxxxxxx",
    ts: "1605695694141",
    nonce: "WelUQl6bCqcBa2fM",
    encrypt: "X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ==",
    signature: "f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc",
    plaintext: "success",
  },
  {
    name: "B",
    token: "mryue",
    aesKey: "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
    owner: "ding6ccabc44d2c8d38b",
    ts: "1608001896814",
    nonce: "WL4PK6yA",
    encrypt:
      "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3",
    signature: "03044561471240d4a14bb09372dfcfd4fd0e40cb",
    plaintext: '{"EventType":"check_url"}',
  },
  {
    name: "C",
    token: "tokenxxxx",
    aesKey: KEY_A,
    owner: "dingxxxxxx",
    ts: "1700000000000",
    nonce: "nonce123",
    encrypt: "WSbGdl4cHPt1ALTmzUYV7op5g1v//0bfBrvwogEVG2IKINtBU6gNnDL7/ac26wx2/Suc25QCaVTfYjHiEq+ZNQ==",
    signature: "e222fcc4b9a1ee395a226323aee3fb8747b4c2f0",
    plaintext: "success",
  },
];

function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no vector ${i}`);
  return x;
}

const tamper = (s: string) => (s[0] === "A" ? `B${s.slice(1)}` : `A${s.slice(1)}`);

beforeEach(() => {
  vi.mocked(timingSafeEqual).mockClear();
});

describe("robot HTTP-mode signature (§4.1)", () => {
  it.each(ROBOT)("matches the reference vector for $ts", ({ secret, ts, sign }) => {
    expect(robotSign(ts, secret)).toBe(sign);
    expect(verifyRobotSignature({ timestamp: ts, sign }, secret, Number(ts) + 1000)).toEqual({ ok: true });
  });

  it("compares in constant time", () => {
    const { secret, ts, sign } = at(ROBOT, 0);
    verifyRobotSignature({ timestamp: ts, sign }, secret, Number(ts));
    expect(timingSafeEqual).toHaveBeenCalled();
  });

  it("rejects a tampered sign, a wrong secret and a truncated sign", () => {
    const { secret, ts, sign } = at(ROBOT, 0);
    const now = Number(ts);
    expect(verifyRobotSignature({ timestamp: ts, sign: tamper(sign) }, secret, now).ok).toBe(false);
    expect(verifyRobotSignature({ timestamp: ts, sign }, `${secret}x`, now).ok).toBe(false);
    expect(verifyRobotSignature({ timestamp: ts, sign: sign.slice(0, 10) }, secret, now).ok).toBe(false);
    // The signature is bound to the timestamp.
    expect(verifyRobotSignature({ timestamp: String(now + 1), sign }, secret, now).ok).toBe(false);
  });

  it("accepts up to one hour of clock skew and no more", () => {
    const { secret, ts, sign } = at(ROBOT, 0);
    const t = Number(ts);
    expect(verifyRobotSignature({ timestamp: ts, sign }, secret, t + 3_600_000).ok).toBe(true);
    expect(verifyRobotSignature({ timestamp: ts, sign }, secret, t - 3_600_000).ok).toBe(true);
    expect(verifyRobotSignature({ timestamp: ts, sign }, secret, t + 3_600_001)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("1 hour"),
    });
    expect(verifyRobotSignature({ timestamp: ts, sign }, secret, t - 3_600_001).ok).toBe(false);
  });

  it("rejects missing or malformed headers", () => {
    expect(verifyRobotSignature({ timestamp: undefined, sign: "x" }, "s").ok).toBe(false);
    expect(verifyRobotSignature({ timestamp: "1700000000000", sign: undefined }, "s").ok).toBe(false);
    expect(verifyRobotSignature({ timestamp: "soon", sign: "x" }, "s").ok).toBe(false);
  });

  it("safeEqual handles different lengths without throwing", () => {
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("", "")).toBe(true);
  });
});

describe("event-subscription crypto (§4.2)", () => {
  it.each(EVENTS)("vector $name: signature and plaintext", (v) => {
    expect(eventSignature(v.token, v.ts, v.nonce, v.encrypt)).toBe(v.signature);
    const verdict = verifyEventSignature(
      { signature: v.signature, timestamp: v.ts, nonce: v.nonce, encrypt: v.encrypt },
      v.token,
    );
    expect(verdict).toEqual({ ok: true });
    expect(decryptEvent(v.encrypt, v.aesKey, v.owner)).toEqual({ ok: true, plaintext: v.plaintext });
  });

  it("vector C: encryption is byte-exact with a fixed random prefix", () => {
    const c = at(EVENTS, 2);
    expect(encryptEvent("success", c.aesKey, c.owner, Buffer.from("0123456789abcdef"))).toBe(c.encrypt);
  });

  it("round-trips CJK and emoji of every padding length", () => {
    for (let n = 0; n < 40; n++) {
      const msg = `{"EventType":"x","v":"${"钉".repeat(n)}🚀"}`;
      expect(decryptEvent(encryptEvent(msg, KEY_A, "dingabc"), KEY_A, "dingabc")).toEqual({
        ok: true,
        plaintext: msg,
      });
    }
  });

  it("rejects a tampered signature, a foreign owner key, corrupt ciphertext and bad keys", () => {
    const a = at(EVENTS, 0);
    const input = { signature: tamper(a.signature), timestamp: a.ts, nonce: a.nonce, encrypt: a.encrypt };
    expect(verifyEventSignature(input, a.token).ok).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalled();
    expect(decryptEvent(a.encrypt, a.aesKey, "dingOTHER")).toMatchObject({ ok: false, reason: /owner key/ });
    const bytes = Buffer.from(a.encrypt, "base64");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    expect(decryptEvent(bytes.toString("base64"), a.aesKey, a.owner).ok).toBe(false);
    expect(decryptEvent("not-base64-blocks", a.aesKey, a.owner).ok).toBe(false);
    expect(decryptEvent(a.encrypt, "short", a.owner)).toMatchObject({ ok: false, reason: /43/ });
  });
});

describe("handleWebhookRequest", () => {
  const appSecret = "SEC000000";
  const ts = "1700000000000";
  const sign = at(ROBOT, 0).sign;
  const payload = {
    msgId: "msgHTTP1",
    msgtype: "text",
    text: { content: " /status" },
    conversationId: "cidG1",
    conversationType: "2",
    senderStaffId: "staff1",
    senderNick: "Alice",
    createAt: 1700000000000,
  };

  it("accepts a signed robot message, decodes it and answers empty", () => {
    const res = handleWebhookRequest(
      { headers: { timestamp: ts, sign }, body: JSON.stringify(payload) },
      { appSecret },
      Number(ts) + 5_000,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msgtype: "empty" });
    expect(res.message).toMatchObject({ messageId: "msgHTTP1", text: "/status", chatType: "group" });
  });

  it("reads headers case-insensitively and takes Buffer bodies", () => {
    const res = handleWebhookRequest(
      { headers: { Timestamp: ts, Sign: [sign] }, body: Buffer.from(JSON.stringify(payload)) },
      { appSecret },
      Number(ts),
    );
    expect(res.message?.messageId).toBe("msgHTTP1");
  });

  it("refuses forged, stale and unsigned requests with 401", () => {
    const now = Number(ts);
    const forged = handleWebhookRequest(
      { headers: { timestamp: ts, sign: tamper(sign) }, body: payload },
      { appSecret },
      now,
    );
    expect(forged).toMatchObject({ status: 401, error: "bad sign" });
    expect(forged.message).toBeUndefined();
    const stale = handleWebhookRequest(
      { headers: { timestamp: ts, sign }, body: payload },
      { appSecret },
      now + 7_200_000,
    );
    expect(stale.status).toBe(401);
    expect(handleWebhookRequest({ headers: {}, body: payload }, { appSecret }, now).status).toBe(401);
  });

  it("acknowledges a signed but undecodable message without a message", () => {
    const res = handleWebhookRequest(
      { headers: { timestamp: ts, sign }, body: { msgtype: "text" } },
      { appSecret },
      Number(ts),
    );
    expect(res).toMatchObject({
      status: 200,
      body: { msgtype: "empty" },
      error: expect.stringContaining("msgId"),
    });
  });

  it("rejects a non-JSON body with 400", () => {
    expect(
      handleWebhookRequest({ headers: { timestamp: ts, sign }, body: "{nope" }, { appSecret }).status,
    ).toBe(400);
  });

  it("answers the check_url event with an encrypted, signed success", () => {
    const b = at(EVENTS, 1);
    const config = { appSecret, token: b.token, aesKey: b.aesKey, ownerKey: b.owner };
    const res = handleWebhookRequest(
      {
        headers: {},
        body: { encrypt: b.encrypt },
        query: { msg_signature: b.signature, timestamp: b.ts, nonce: b.nonce },
      },
      config,
      Number(b.ts) + 123,
    );
    expect(res.status).toBe(200);
    expect(res.event).toEqual({ EventType: "check_url" });
    expect(res.replayKey).toEqual({ key: `event:${b.ts}:${b.nonce}`, at: Number(b.ts) });
    const body = res.body as { msg_signature: string; timeStamp: string; nonce: string; encrypt: string };
    expect(body.timeStamp).toBe(String(Number(b.ts) + 123));
    expect(body.nonce).toBe(b.nonce);
    expect(body.msg_signature).toBe(eventSignature(b.token, body.timeStamp, body.nonce, body.encrypt));
    expect(decryptEvent(body.encrypt, b.aesKey, b.owner)).toEqual({ ok: true, plaintext: "success" });
  });

  it("refuses a validly signed event whose timestamp is more than an hour away", () => {
    const b = at(EVENTS, 1);
    const config = { appSecret, token: b.token, aesKey: b.aesKey, ownerKey: b.owner };
    const req = {
      headers: {},
      body: { encrypt: b.encrypt },
      query: { msg_signature: b.signature, timestamp: b.ts, nonce: b.nonce },
    };
    expect(handleWebhookRequest(req, config, Number(b.ts) + 59 * 60_000).status).toBe(200);
    const stale = handleWebhookRequest(req, config, Number(b.ts) + 61 * 60_000);
    expect(stale.status).toBe(401);
    expect(stale.error).toMatch(/more than 1 hour/);
  });

  it("refuses an event with a tampered signature, and events when not configured", () => {
    const b = at(EVENTS, 1);
    const req = {
      headers: {},
      body: { encrypt: b.encrypt },
      query: { signature: tamper(b.signature), timestamp: b.ts, nonce: b.nonce },
    };
    const config = { appSecret, token: b.token, aesKey: b.aesKey, ownerKey: b.owner };
    expect(handleWebhookRequest(req, config).status).toBe(401);
    expect(handleWebhookRequest(req, { appSecret }).status).toBe(503);
    expect(handleWebhookRequest({ ...req, query: {} }, config).status).toBe(400);
  });
});
