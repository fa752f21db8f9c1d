/**
 * HTTP-mode cryptography: the robot message `timestamp`/`sign` headers and
 * event-subscription encrypted callbacks. Pure functions over `node:crypto`; every
 * comparison of a secret-derived value is constant-time.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/** Robot HTTP mode accepts requests at most this far from our clock. */
export const MAX_CLOCK_SKEW_MS = 60 * 60 * 1000;

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Constant-time string equality; different lengths are unequal without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  if (x.length !== y.length) {
    timingSafeEqual(x, x); // same work either way
    return false;
  }
  return timingSafeEqual(x, y);
}

/** `base64(HMAC-SHA256(key = appSecret, timestamp + "\n" + appSecret))`. */
export function robotSign(timestamp: string, appSecret: string): string {
  return createHmac("sha256", appSecret).update(`${timestamp}\n${appSecret}`, "utf8").digest("base64");
}

/** Verify robot HTTP-mode headers: the timestamp within an hour of `now` and the sign matches. */
export function verifyRobotSignature(
  input: { timestamp: string | undefined; sign: string | undefined },
  appSecret: string,
  now: number = Date.now(),
): Verdict {
  const { timestamp, sign } = input;
  if (!timestamp || !sign) return { ok: false, reason: "missing timestamp or sign header" };
  if (!/^\d{10,16}$/.test(timestamp)) return { ok: false, reason: "timestamp header is not a ms epoch" };
  if (Math.abs(now - Number(timestamp)) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: "timestamp is more than 1 hour away from the local clock" };
  }
  if (!appSecret) return { ok: false, reason: "no app secret configured" };
  // The header is plain base64, but tolerate a URL-encoded copy (the send-side sign is encoded).
  const given = sign.includes("%") ? safeDecode(sign) : sign;
  return safeEqual(given, robotSign(timestamp, appSecret)) ? { ok: true } : { ok: false, reason: "bad sign" };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `sha1_hex(sort([token, timestamp, nonce, encrypt]).join(""))`. */
export function eventSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const parts = [token, timestamp, nonce, encrypt].sort();
  return createHash("sha1").update(parts.join(""), "utf8").digest("hex");
}

export function verifyEventSignature(
  input: { signature: string | undefined; timestamp: string; nonce: string; encrypt: string },
  token: string,
): Verdict {
  if (!input.signature) return { ok: false, reason: "missing msg_signature" };
  const expected = eventSignature(token, input.timestamp, input.nonce, input.encrypt);
  return safeEqual(input.signature.toLowerCase(), expected)
    ? { ok: true }
    : { ok: false, reason: "bad msg_signature" };
}

const BLOCK = 32; // DingTalk pads to 32-byte multiples, not AES's 16

/** The 32-byte key from the console's 43-character AES key (base64 without its `=`). */
export function aesKeyBytes(aesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(aesKey)) throw new RangeError("AES key must be 43 base64 characters");
  const key = Buffer.from(`${aesKey}=`, "base64");
  if (key.length !== 32) throw new RangeError("AES key does not decode to 32 bytes");
  return key;
}

/** `random16 ‖ uint32_be(len) ‖ msg ‖ ownerKey`, PKCS#7-padded to 32 bytes, AES-256-CBC, base64. */
export function encryptEvent(plaintext: string, aesKey: string, ownerKey: string, random16?: Buffer): string {
  const key = aesKeyBytes(aesKey);
  const random = random16 ?? randomBytes(16);
  if (random.length !== 16) throw new RangeError("random prefix must be 16 bytes");
  const msg = Buffer.from(plaintext, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([random, len, msg, Buffer.from(ownerKey, "utf8")]);
  const pad = BLOCK - (body.length % BLOCK);
  const padded = Buffer.concat([body, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString("base64");
}

export type DecryptResult = { ok: true; plaintext: string } | { ok: false; reason: string };

/** Decrypt an `encrypt` field; checks padding, length and that the trailer is `ownerKey`. */
export function decryptEvent(encrypt: string, aesKey: string, ownerKey: string): DecryptResult {
  let key: Buffer;
  try {
    key = aesKeyBytes(aesKey);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const data = Buffer.from(encrypt, "base64");
  if (data.length === 0 || data.length % 16 !== 0)
    return { ok: false, reason: "encrypt is not whole AES blocks" };
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    return { ok: false, reason: "decryption failed" };
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || pad > plain.length) return { ok: false, reason: "bad padding" };
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) return { ok: false, reason: "bad padding" };
  }
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) return { ok: false, reason: "decrypted message too short" };
  const len = body.readUInt32BE(16);
  if (20 + len > body.length) return { ok: false, reason: "bad message length" };
  const owner = body.subarray(20 + len).toString("utf8");
  if (!safeEqual(owner, ownerKey))
    return { ok: false, reason: "message is for another app (owner key mismatch)" };
  return { ok: true, plaintext: body.subarray(20, 20 + len).toString("utf8") };
}

/** The reply DingTalk expects to an event callback: encrypted `success` (note `timeStamp`). */
export function eventSuccessResponse(
  config: { token: string; aesKey: string; ownerKey: string },
  timestamp: string,
  nonce: string,
  random16?: Buffer,
): { msg_signature: string; timeStamp: string; nonce: string; encrypt: string } {
  const encrypt = encryptEvent("success", config.aesKey, config.ownerKey, random16);
  return {
    msg_signature: eventSignature(config.token, timestamp, nonce, encrypt),
    timeStamp: timestamp,
    nonce,
    encrypt,
  };
}
