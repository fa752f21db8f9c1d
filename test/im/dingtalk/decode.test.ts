/**
 * Golden tests: each fixtures/*.json holds a realistic payload and the expected decode result.
 * After an intended change, `UPDATE_GOLDEN=1 npx vitest run test/im/dingtalk/decode.test.ts`
 * rewrites `expected`; review the diff before committing.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type DecodeOptions,
  decodeRobotMessage,
  decodeStreamFrame,
  parseFrameData,
  readDingTalkReply,
  stripBotMention,
} from "../../../src/im/dingtalk/decode.js";

const DIR = join(import.meta.dirname, "fixtures");
const NOW = 1_700_000_000_000;
const UPDATE = process.env.UPDATE_GOLDEN === "1";

interface Fixture {
  description: string;
  payload: Record<string, unknown>;
  options?: DecodeOptions;
  expected: unknown;
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));

describe("decodeRobotMessage golden fixtures", () => {
  it("has fixtures of every msgtype the protocol lists", () => {
    const types = new Set(
      files.map((f) => (JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture).payload.msgtype),
    );
    for (const t of ["text", "richText", "picture", "audio", "video", "file", "unknownMsgType"]) {
      expect(types).toContain(t);
    }
  });

  it.each(files)("%s", (file) => {
    const path = join(DIR, file);
    const fixture = JSON.parse(readFileSync(path, "utf8")) as Fixture;
    const result = decodeRobotMessage(fixture.payload, { now: NOW, ...fixture.options });
    if (UPDATE) {
      writeFileSync(path, `${JSON.stringify({ ...fixture, expected: result }, null, 2)}\n`);
      return;
    }
    expect(result).toEqual(fixture.expected);
    // The Stream `data` field is the same body as a JSON string (§1.3).
    expect(decodeRobotMessage(JSON.stringify(fixture.payload), { now: NOW, ...fixture.options })).toEqual(
      fixture.expected,
    );
  });
});

describe("decodeRobotMessage details", () => {
  it("refuses non-objects", () => {
    expect(decodeRobotMessage(null).ok).toBe(false);
    expect(decodeRobotMessage("not json").ok).toBe(false);
    expect(decodeRobotMessage([1]).ok).toBe(false);
  });

  it("decides group vs direct by conversationType, not by the cid prefix", () => {
    const direct = decodeRobotMessage({
      msgId: "m1",
      msgtype: "text",
      text: { content: "hi" },
      conversationId: "cidLooksLikeAGroup",
      conversationType: "1",
      senderId: "s",
    });
    expect(direct.ok && direct.message.chatType).toBe("direct");
  });

  it("a group message with isInAtList false is not mentioned", () => {
    const r = decodeRobotMessage({
      msgId: "m1",
      msgtype: "text",
      text: { content: "hi" },
      conversationId: "cid1",
      conversationType: "2",
      senderId: "s",
      isInAtList: false,
    });
    expect(r.ok && r.message.mentioned).toBe(false);
  });

  it("stripBotMention only removes a leading mention of a known bot name", () => {
    expect(stripBotMention("  @CCCC /help ", ["CCCC"])).toBe("/help");
    expect(stripBotMention("@CCCC", ["CCCC"])).toBe("");
    expect(stripBotMention("@CCCCX hi", ["CCCC"])).toBe("@CCCCX hi");
    expect(stripBotMention("@Alice hi", ["CCCC"])).toBe("@Alice hi");
    expect(stripBotMention(" hi @CCCC", ["CCCC"])).toBe("hi @CCCC");
    expect(stripBotMention("@a.b c", ["a.b"])).toBe("c");
  });

  it("reply data reads back through readDingTalkReply", () => {
    const fixture = JSON.parse(readFileSync(join(DIR, "text-direct.json"), "utf8")) as Fixture;
    const r = decodeRobotMessage(fixture.payload);
    if (!r.ok) throw new Error(r.reason);
    expect(readDingTalkReply(r.message.reply)).toEqual({
      conversationId: "cidDiReCt9876543210==",
      sessionWebhook: "https://oapi.dingtalk.com/robot/sendBySession?session=aa00bb11cc22",
      sessionWebhookExpiresAt: 1712351070000,
      robotCode: "dingabcdefghijk12345",
      senderStaffId: "user0002",
    });
    expect(readDingTalkReply(undefined)).toBeUndefined();
    expect(readDingTalkReply({ sessionWebhook: "x" })).toBeUndefined();
  });
});

describe("decodeStreamFrame", () => {
  const path = join(DIR, "stream", "frames.json");
  const golden = JSON.parse(readFileSync(path, "utf8")) as {
    description: string;
    cases: { name: string; raw: string; expected: unknown }[];
  };

  it.each(golden.cases.map((c, i) => [c.name, i] as const))("%s", (_name, i) => {
    const c = golden.cases[i];
    if (!c) throw new Error("missing case");
    const result = decodeStreamFrame(c.raw);
    if (UPDATE) {
      c.expected = result;
      writeFileSync(path, `${JSON.stringify(golden, null, 2)}\n`);
      return;
    }
    expect(result).toEqual(c.expected);
  });

  it("keeps a ping's data byte-for-byte for the echo ack (§1.4)", () => {
    const data = '{"opaque" : "x y"}';
    const r = decodeStreamFrame(
      JSON.stringify({ type: "SYSTEM", headers: { messageId: "p", topic: "ping" }, data }),
    );
    expect(r.ok && r.frame.data).toBe(data);
  });

  it("robot callback data decodes into a message", () => {
    const c = golden.cases.find((x) => x.name === "robot callback");
    const r = decodeStreamFrame(c?.raw ?? "");
    if (!r.ok) throw new Error(r.reason);
    const m = decodeRobotMessage(parseFrameData(r.frame));
    expect(m.ok && m.message.text).toBe("你好");
    expect(parseFrameData({ data: "{bad" })).toBeUndefined();
  });

  it("never throws on garbage", () => {
    for (const raw of ["", "null", "42", '"s"', "{}", '{"type":null}', "\u0000", "{".repeat(1000)]) {
      expect(decodeStreamFrame(raw).ok).toBe(false);
    }
  });
});
