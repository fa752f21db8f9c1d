import { afterEach, describe, expect, it } from "vitest";
import { parseInput, parseSendTargets } from "../../src/im/commands.js";
import type { ActorSummary } from "../../src/im/types.js";
import { FakeHost } from "./support/fake-host.js";
import { type Harness, startBridge, subscribeChat } from "./support/harness.js";
import { DIRECT, GROUP } from "./support/recording-adapter.js";

const actors = new FakeHost().info.actors as ActorSummary[];

describe("parseInput", () => {
  it("recognizes commands, aliases, @bot suffixes, a leftover @Bot prefix and full-width slashes", () => {
    expect(parseInput("/send hi there")).toEqual({ type: "command", name: "send", args: "hi there" });
    expect(parseInput("  /SUB  ")).toEqual({ type: "command", name: "subscribe", args: "" });
    expect(parseInput("/status@CCCCBot")).toEqual({ type: "command", name: "status", args: "" });
    expect(parseInput("@CCCCBot /help")).toEqual({ type: "command", name: "help", args: "" });
    expect(parseInput("／verbose on")).toEqual({ type: "command", name: "verbose", args: "on" });
    expect(parseInput("/send line1\nline2")).toEqual({ type: "command", name: "send", args: "line1\nline2" });
    expect(parseInput("/frobnicate x")).toEqual({ type: "unknown_command", name: "frobnicate" });
    expect(parseInput("just text")).toEqual({ type: "plain", text: "just text" });
  });
});

describe("parseSendTargets", () => {
  it("defaults to the foreman and takes several leading @targets", () => {
    expect(parseSendTargets("hello", actors)).toEqual({ ok: true, to: ["@foreman"], text: "hello" });
    expect(parseSendTargets("@reviewer @lead,@all check @this", actors)).toEqual({
      ok: true,
      to: ["reviewer", "lead", "@all"],
      text: "check @this",
    });
    expect(parseSendTargets("@Reviewer hi", actors)).toMatchObject({ to: ["reviewer"] });
    expect(parseSendTargets("@peers hi", actors)).toMatchObject({ to: ["@peers"] });
  });
  it("refuses an unknown @target with the list of agents", () => {
    const r = parseSendTargets("@revewer hi", actors);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.reply).toBe(
        "❌ Unknown recipient @revewer.\nAgents: @lead (foreman), @reviewer\nAlso: @all, @peers, @foreman.",
      );
    expect(parseSendTargets("hi", [])).toMatchObject({ ok: false });
    expect(parseSendTargets("@peers hi", actors.slice(0, 1))).toMatchObject({ ok: false });
  });
});

let h: Harness;
afterEach(async () => {
  await h?.bridge.stop();
  h?.host.cleanup();
});

describe("commands in a subscribed chat", () => {
  it("/send delivers to the right recipients with the IM source, and reacts 🤔", async () => {
    h = await startBridge();
    await subscribeChat(h);
    const m1 = await h.adapter.receive({ text: "/send Please check the code quality" });
    await h.adapter.receive({ text: "/send @reviewer @lead Please review" });
    await h.adapter.receive({ text: "/send @all Status update please" });
    await h.adapter.receive({ text: "/send @peers ping" });
    const msgs = h.host.userMessages();
    expect(msgs.map((e) => [e.data.to, e.data.text])).toEqual([
      [["@foreman"], "Please check the code quality"],
      [["reviewer", "lead"], "Please review"],
      [["@all"], "Status update please"],
      [["@peers"], "ping"],
    ]);
    expect(msgs[0]?.data.source).toEqual({
      platform: "dingtalk",
      chat_id: DIRECT,
      chat_type: "direct",
      user_id: "staff-alice",
      user_name: "Alice",
      message_id: m1.messageId,
    });
    expect(h.adapter.reactions[0]).toEqual({ messageId: m1.messageId, emoji: "🤔", on: true });
  });

  it("/send to an unknown agent, or with no text, replies and forwards nothing", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "/send @nobody hi" });
    expect(h.adapter.lastText(DIRECT)).toContain("❌ Unknown recipient @nobody.");
    expect(h.adapter.lastText(DIRECT)).toContain("@lead (foreman), @reviewer");
    await h.adapter.receive({ text: "/send" });
    expect(h.adapter.lastText(DIRECT)).toBe("Usage: /send [@agent …] <message>");
    expect(h.host.userMessages()).toEqual([]);
  });

  it("plain text: forwarded to the foreman in a direct chat, a hint in a group", async () => {
    h = await startBridge();
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    await h.adapter.receive({ text: "what is the status?" });
    await h.adapter.receive({ text: "@reviewer look at this" });
    await h.adapter.receive({ chatId: GROUP, text: "hello everyone" });
    expect(h.host.userMessages().map((e) => [e.data.to, e.data.text])).toEqual([
      [["@foreman"], "what is the status?"],
      [["reviewer"], "look at this"],
    ]);
    expect(h.adapter.lastText(GROUP)).toContain(
      "In group chats only commands are forwarded. Use /send <message>",
    );
    await h.adapter.receive({ chatId: GROUP, text: "/send hello group" });
    expect(h.host.userMessages().at(-1)?.data).toMatchObject({ text: "hello group", to: ["@foreman"] });
  });

  it("unknown commands get the list of commands", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "/launch" });
    expect(h.adapter.lastText(DIRECT)).toBe(
      "❓ Unknown command /launch. Commands: /subscribe, /unsubscribe, /send, /stop, /status, /pause, /resume, /verbose, /approvals, /approve, /deny, /help. Send /help for details.",
    );
  });

  it("/stop stops the foreman's running reply; /stop @agent another's; nothing running is said so", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "/stop" });
    expect(h.host.interrupts).toEqual(["lead"]);
    expect(h.adapter.lastText(DIRECT)).toBe("⏹️ Stopped lead's current reply.");
    await h.adapter.receive({ text: "/stop @reviewer" });
    expect(h.host.interrupts).toEqual(["lead", "reviewer"]);
    expect(h.adapter.lastText(DIRECT)).toBe("ℹ️ reviewer is not replying right now; nothing to stop.");
    await h.adapter.receive({ text: "/stop @nobody" });
    expect(h.host.interrupts).toHaveLength(2);
    expect(h.adapter.lastText(DIRECT)).toContain("@nobody");
    await h.adapter.receive({ text: "/help" });
    expect(h.adapter.lastText(DIRECT)).toContain("/stop [@agent]");
  });

  it("/subscribe again says already subscribed with the group name", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "/subscribe" });
    expect(h.adapter.lastText(DIRECT)).toMatch(
      /^✅ Already subscribed to Demo Group \[g_test\]\nVerbose mode: off/,
    );
  });

  it("/pause holds messages back, blocks /send, and /resume tells how many were held back", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "/pause" });
    expect(h.adapter.lastText(DIRECT)).toContain("⏸ Paused.");
    h.host.say("lead", "one", ["user"]);
    h.host.say("lead", "two");
    h.host.say("lead", "between agents", ["reviewer"]); // not for a non-verbose chat: not counted
    await h.bridge.idle();
    expect(h.adapter.textsTo(DIRECT)).not.toContain("[Lead] one");
    await h.adapter.receive({ text: "/send still there?" });
    expect(h.adapter.lastText(DIRECT)).toBe(
      "⏸ This chat is paused, so nothing was sent. Send /resume to continue.",
    );
    expect(h.host.userMessages()).toEqual([]);
    await h.adapter.receive({ text: "/status" });
    expect(h.adapter.lastText(DIRECT)).toContain("paused (2 held back)");
    await h.adapter.receive({ text: "/resume" });
    expect(h.adapter.lastText(DIRECT)).toBe(
      "▶️ Resumed. 2 agent messages were held back while paused and not delivered here; see them in the CCCC Web UI.",
    );
    h.host.say("lead", "three");
    await h.bridge.idle();
    expect(h.adapter.lastText(DIRECT)).toBe("[Lead] three");
    await h.adapter.receive({ text: "/resume" });
    expect(h.adapter.lastText(DIRECT)).toBe("▶️ Resumed. No agent messages arrived while paused.");
    expect(h.host.kinds("im.")).toContain("im.paused");
    expect(h.host.kinds("im.")).toContain("im.resumed");
  });

  it("/verbose toggles without argument and is idempotent with on/off", async () => {
    h = await startBridge();
    await subscribeChat(h);
    const verbose = async () => (await h.bridge.admin.authorized())[0]?.verbose;
    await h.adapter.receive({ text: "/verbose" });
    expect(await verbose()).toBe(true);
    expect(h.adapter.lastText(DIRECT)).toBe("👁 Verbose mode: on. You also see messages between agents.");
    await h.adapter.receive({ text: "/verbose on" });
    expect(await verbose()).toBe(true);
    await h.adapter.receive({ text: "/verbose off" });
    expect(await verbose()).toBe(false);
    await h.adapter.receive({ text: "/verbose off" });
    expect(await verbose()).toBe(false);
    expect(h.adapter.lastText(DIRECT)).toBe("👁 Verbose mode: off. You see only messages addressed to you.");
    await h.adapter.receive({ text: "/v" });
    expect(await verbose()).toBe(true);
    await h.adapter.receive({ text: "/verbose maybe" });
    expect(h.adapter.lastText(DIRECT)).toBe("Usage: /verbose [on|off]");
  });

  it("/status and /help: ActionCards with command buttons in a direct chat, markdown in a group", async () => {
    h = await startBridge();
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    await h.adapter.receive({ text: "/status" });
    const status = h.adapter.last(DIRECT)?.content;
    expect(status?.type).toBe("actionCard");
    if (status?.type !== "actionCard") throw new Error("not a card");
    expect(status.text).toContain("📊 Demo Group [g_test]");
    expect(status.text).toContain("State: active");
    expect(status.text).toContain("👑 Lead (@lead, claude): 🟢 running, 0 unread");
    expect(status.text).toContain("👤 Reviewer (@reviewer, codex): ⚪ stopped, 2 unread");
    expect(status.text).toContain("This chat: subscribed, delivering, verbose off");
    expect(status.buttons[0]).toEqual({
      title: "Refresh",
      url: "dtmd://dingtalkclient/sendMessage?content=%2Fstatus",
    });
    await h.adapter.receive({ text: "/help" });
    const help = h.adapter.last(DIRECT)?.content;
    expect(help?.type).toBe("actionCard");
    expect(help && "text" in help ? help.text : "").toContain(
      "/send @peers <message>: send to non-foreman agents",
    );
    await h.adapter.receive({ chatId: GROUP, text: "/help" });
    const groupHelp = h.adapter.last(GROUP)?.content;
    expect(groupHelp?.type).toBe("markdown");
    expect(groupHelp && "text" in groupHelp ? groupHelp.text : "").toContain(
      "@mention me before every command",
    );
  });

  it("an adapter can override the command URL", async () => {
    h = await startBridge();
    Object.assign(h.adapter, { commandUrl: (c: string) => `x-cmd:${c}` });
    await subscribeChat(h);
    await h.adapter.receive({ text: "/help" });
    const help = h.adapter.last(DIRECT)?.content;
    expect(help?.type === "actionCard" && help.buttons[0]?.url).toBe("x-cmd:/status");
  });

  it("a redelivered message id runs its command once", async () => {
    h = await startBridge();
    await subscribeChat(h);
    const m = await h.adapter.receive({ text: "/send once" });
    await h.adapter.receive({ text: "/send once", messageId: m.messageId });
    await h.adapter.receive({ text: "/pause", messageId: "p1" });
    await h.adapter.receive({ text: "/pause", messageId: "p1" });
    expect(h.host.userMessages()).toHaveLength(1);
    expect(h.adapter.textsTo(DIRECT).filter((t) => t.includes("Paused"))).toHaveLength(1);
  });

  it("inbound files are stored as blobs; too large or failed downloads are reported and the text still goes", async () => {
    h = await startBridge({ maxFileMb: 1 });
    await subscribeChat(h);
    h.adapter.files.set("dc-ok", { bytes: Buffer.from("png-bytes"), name: "shot.png", mime: "image/png" });
    h.adapter.files.set("dc-big", {
      bytes: Buffer.alloc(2 * 1024 * 1024),
      name: "big.zip",
      mime: "application/zip",
    });
    await h.adapter.receive({
      text: "/send see files",
      files: [
        { kind: "image", downloadCode: "dc-ok", fileName: "shot.png" },
        { kind: "file", downloadCode: "dc-big", fileName: "big.zip" },
        { kind: "file", downloadCode: "dc-gone", fileName: "old.pdf" },
      ],
    });
    const [msg] = h.host.userMessages();
    expect(msg?.data.text).toBe("see files");
    expect(msg?.data.attachments).toMatchObject([{ name: "shot.png", mime: "image/png", bytes: 9 }]);
    const texts = h.adapter.textsTo(DIRECT);
    expect(texts.some((t) => t.includes('"big.zip" is larger than 1 MB'))).toBe(true);
    expect(texts.some((t) => t.includes('Could not download attachment "old.pdf"'))).toBe(true);
    await h.adapter.receive({
      text: "",
      files: [{ kind: "image", downloadCode: "dc-ok", fileName: "shot.png" }],
    });
    expect(h.host.userMessages().at(-1)?.data.text).toBe("[file] shot.png");
  });

  it("a failed append is reported to the chat", async () => {
    h = await startBridge();
    await subscribeChat(h);
    h.host.appendError = new Error("group not found");
    await h.adapter.receive({ text: "hello" });
    expect(h.adapter.lastText(DIRECT)).toBe("❌ Failed to send: group not found");
  });
});
