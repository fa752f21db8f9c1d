import { afterEach, describe, expect, it } from "vitest";
import { LANGUAGES, type Replies, repliesFor } from "../../src/im/replies/index.js";
import type { Subscription } from "../../src/im/state.js";
import type { ActorSummary } from "../../src/im/types.js";
import { type Harness, startBridge, subscribeChat } from "./support/harness.js";
import { contentText, DIRECT } from "./support/recording-adapter.js";

const actors: ActorSummary[] = [
  { id: "lead", title: "Lead", role: "foreman", runtime: "claude", status: "running", unread: 1 },
  { id: "rev", title: "", role: "peer", runtime: "codex", status: "crashed", unread: 0 },
  { id: "once", title: "", role: "peer", runtime: "custom", status: "exited", unread: 0 },
  {
    id: "busy",
    title: "",
    role: "peer",
    runtime: "claude",
    status: "running",
    unread: 0,
    turn: "working",
    activity: "running npm test",
  },
  { id: "calm", title: "", role: "peer", runtime: "codex", status: "running", unread: 0, turn: "idle" },
];
const sub = (over: Partial<Subscription> = {}) =>
  ({ subscribed: true, paused: false, verbose: false, held_back: 0, ...over }) as Subscription;
const info = { title: "钉钉 team", state: "active", actors };
const error = { code: "dingtalk_no_permission", message: "No permission", at: "2026-11-25T02:00:00.000Z" };

/**
 * Every text of a language, rendered with sample arguments covering each branch. Typed by the keys
 * of `Replies`, so a new reply does not compile until it is rendered here too.
 */
function renderAll(r: Replies): Record<keyof Replies, string[]> {
  return {
    commandList: [r.commandList],
    keyIssued: [r.keyIssued("ABCDEFGHJK", "钉钉 team", "g_0123456789ab")],
    subscribed: [
      r.subscribed("T", "g_1", "direct", sub(), false),
      r.subscribed("T", "g_1", "group", sub({ paused: true, verbose: true }), true),
    ],
    approved: [r.approved("T", "g_1", "direct"), r.approved("T", "g_1", "group")],
    keyEvicted: [r.keyEvicted],
    revoked: [r.revoked],
    unauthorizedHint: [r.unauthorizedHint],
    notSubscribed: [r.notSubscribed],
    unsubscribed: [r.unsubscribed],
    pausedReply: [r.pausedReply],
    paused: [r.paused],
    alreadyPaused: [r.alreadyPaused],
    sendUsage: [r.sendUsage],
    verboseUsage: [r.verboseUsage],
    groupPlainHint: [r.groupPlainHint],
    resumed: [r.resumed(0), r.resumed(1), r.resumed(3)],
    verbose: [r.verbose(true), r.verbose(false)],
    unknownCommand: [r.unknownCommand("frob")],
    stopped: [r.stopped("lead", true), r.stopped("lead", false)],
    help: [r.help("direct"), r.help("group")],
    status: [
      r.status(info, "g_1", undefined),
      r.status({ ...info, actors: [] }, "g_1", sub({ paused: true, held_back: 2 }), error),
      r.status(info, "g_1", sub({ verbose: true })),
      r.status(info, "g_1", sub(), undefined, 1),
      r.status(info, "g_1", sub(), undefined, 14),
    ],
    board: [r.board.title("钉钉 team"), r.board.live("10:42"), r.board.ended("10:42")],
    unknownRecipient: [r.unknownRecipient("@x", actors), r.unknownRecipient("@x", [])],
    noAgents: [r.noAgents],
    noPeers: [r.noPeers],
    noForeman: [r.noForeman],
    sendFailed: [r.sendFailed("disk full")],
    fileTooLarge: [r.fileTooLarge("a.zip", 20)],
    fileFailed: [r.fileFailed("a.zip", "timeout")],
    filesDisabled: [r.filesDisabled],
    slowDown: [r.slowDown(1, 20, 10), r.slowDown(5, 20, 10)],
    unsupportedType: [r.unsupportedType("video")],
    emptyMessage: [r.emptyMessage("direct"), r.emptyMessage("group")],
    textCut: [r.textCut(3 * 1024 * 1024, 1024 * 1024)],
    attachmentUnreadable: [r.attachmentUnreadable("a.pdf", "ENOENT")],
    attachmentOverLimit: [r.attachmentOverLimit("a.pdf", 20), r.attachmentOverLimit("a.pdf", 20, "25.0 MB")],
    attachmentNotSent: [r.attachmentNotSent("a.pdf", "dingtalk_too_large", "too big")],
    attachmentsDisabled: [r.attachmentsDisabled(1), r.attachmentsDisabled(2)],
    buttons: Object.values(r.buttons),
  };
}

/** What a user types or runs: slash commands, CLI flags, `cccc …` command lines, config keys. */
function tokens(text: string): string[] {
  const found = [
    ...(text.match(/(?<![\w.])\/[a-z]+\b/g) ?? []),
    ...(text.match(/--[a-z]+/g) ?? []),
    ...(text.match(/cccc [a-z]+ [a-z]+(?: --[a-z]+ \w+)*/g) ?? []),
    ...(text.match(/im\.[a-z_.]+[a-z]/g) ?? []),
    ...(text.match(/@(?:all|peers|foreman)\b/g) ?? []),
  ];
  return [...new Set(found)].sort();
}

const CJK = /[\u4e00-\u9fff]/;
const en = renderAll(repliesFor("en"));
const zh = renderAll(repliesFor("zh"));

describe("reply languages", () => {
  it("every language implements every reply, and English stays the default", () => {
    expect(LANGUAGES).toEqual(["en", "zh"]);
    expect(repliesFor()).toBe(repliesFor("en"));
    const keys = Object.keys(repliesFor("en")).sort();
    for (const lang of LANGUAGES) expect(Object.keys(repliesFor(lang)).sort()).toEqual(keys);
    expect(Object.keys(repliesFor("zh").buttons).sort()).toEqual(
      Object.keys(repliesFor("en").buttons).sort(),
    );
  });

  it("zh texts are Chinese and keep the same commands, flags and command lines as en", () => {
    for (const key of Object.keys(en) as Array<keyof Replies>) {
      const [enTexts, zhTexts] = [en[key], zh[key]];
      expect(zhTexts.length, key).toBe(enTexts.length);
      enTexts.forEach((enText, i) => {
        const zhText = zhTexts[i] ?? "";
        // The command list is only command names; everything else is translated.
        if (key !== "commandList") {
          expect(zhText, `${key}[${i}]`).not.toBe(enText);
          expect(zhText, `${key}[${i}]`).toMatch(CJK);
        }
        expect(tokens(zhText), `${key}[${i}]`).toEqual(tokens(enText));
        // Same emoji, so a glance at the chat reads the same in both languages.
        const emoji = (t: string) => t.match(/\p{Extended_Pictographic}/gu) ?? [];
        expect(emoji(zhText), `${key}[${i}]`).toEqual(emoji(enText));
      });
    }
  });

  it("keeps the bind command line verbatim in Chinese", () => {
    expect(zh.keyIssued[0]).toContain("cccc im bind --key ABCDEFGHJK --group g_0123456789ab");
    expect(zh.keyIssued[0]).toContain("\nABCDEFGHJK\n");
  });
});

describe("a bridge with language zh", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.bridge.stop();
    h = undefined;
  });

  it("answers commands, titles its buttons and notes attachments in Chinese", async () => {
    h = await startBridge({ language: "zh", filesEnabled: false });
    await subscribeChat(h, DIRECT);
    expect(h.adapter.textsTo(DIRECT).join("\n")).toContain("✅ 已批准。");
    await h.adapter.receive({ text: "/help" });
    const help = h.adapter.last(DIRECT)?.content;
    if (help?.type !== "actionCard") throw new Error("not a card");
    expect(help.text).toContain("CCCC 命令：");
    expect(help.buttons.map((b) => b.title)).toEqual(["状态", "暂停", "详细模式"]);
    await h.adapter.receive({ text: "/pause" });
    await h.adapter.receive({ text: "/status" });
    const status = h.adapter.last(DIRECT)?.content;
    if (status?.type !== "actionCard") throw new Error("not a card");
    expect(status.buttons.map((b) => b.title)).toEqual(["刷新", "恢复", "开启详细模式"]);
    await h.adapter.receive({ text: "/resume" });
    await h.adapter.receive({ text: "/frob" });
    expect(h.adapter.lastText(DIRECT)).toContain("❓ 未知命令 /frob");
    const att = await h.host.putBlob(Buffer.from("x"), "a.txt", "text/plain");
    h.host.say("lead", "file for you", ["user"], { attachments: [att] });
    await h.bridge.idle();
    expect(h.adapter.lastText(DIRECT)).toContain("1 个附件未发送");
    await h.bridge.admin.revoke(DIRECT);
    await h.bridge.idle();
    expect(contentText(h.adapter.last(DIRECT)?.content ?? { type: "text", text: "" })).toContain(
      "权限已被撤销",
    );
  });
});
