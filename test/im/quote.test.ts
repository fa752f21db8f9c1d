/**
 * Quote-reply routing: the sender header `chooseContent` writes is read back from a quoted message
 * (format.ts owns both ways), resolved to an actor (routing.ts), and the bridge forwards a
 * quote-reply without @targets to that actor (commands.ts, inbound.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { chooseContent, readSenderHeader, senderHeader } from "../../src/im/format.js";
import { actorByHeaderName, classifyEvent, QUOTE_MAX, quoteRoute } from "../../src/im/routing.js";
import type { ActorSummary, QuotedMessage } from "../../src/im/types.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { type Harness, startBridge, subscribeChat } from "./support/harness.js";
import { DIRECT, GROUP } from "./support/recording-adapter.js";

const actor = (id: string, title: string, role: ActorSummary["role"] = "peer"): ActorSummary => ({
  id,
  title,
  role,
  runtime: "custom",
  status: "running",
  unread: 0,
});
const ACTORS = [actor("lead", "Lead", "foreman"), actor("reviewer", "Reviewer"), actor("peer-x", "")];

function agentEvent(by: string, text: string, to: string[] = ["user"]): LedgerEvent {
  return {
    v: 1,
    id: `ev-${by}-${text.length}`,
    seq: 7,
    ts: "2026-09-01T08:00:00Z",
    kind: "chat.message",
    group_id: "g1",
    by,
    data: { text, to },
  };
}

/** What the chat shows for an agent message: the text body `chooseContent` produces. */
function shown(by: string, text: string, to?: string[]): string {
  const item = classifyEvent(agentEvent(by, text, to), ACTORS);
  if (!item) throw new Error("not delivered");
  const content = chooseContent({ text: item.text, title: item.title });
  if (!("text" in content)) throw new Error(`no text in ${content.type}`);
  return content.text;
}

describe("readSenderHeader is the inverse of the header chooseContent writes", () => {
  it.each([
    ["plain text", "Build passed.", "text"],
    ["markdown", "## Plan\n\n- fix the **login** bug", "markdown"],
    ["link share", "https://code.example.com/pr/42", "link"],
    ["multi-line plain text", "line one\nline two", "text"],
  ])("%s", (_name, text, type) => {
    const content = chooseContent({ text, title: "Lead" });
    expect(content.type).toBe(type);
    for (const by of ["lead", "reviewer", "peer-x"]) {
      expect(quoteRoute({ text: shown(by, text) }, ACTORS).to).toBe(by);
      expect(quoteRoute({ text: shown(by, text, ["lead", "@all"]) }, ACTORS).to).toBe(by);
      expect(quoteRoute({ text: shown(by, text, ["reviewer"]) }, ACTORS).to).toBe(by);
    }
  });

  it("reads the header of an ActionCard body and of the first part of a split message", () => {
    const card = chooseContent({ text: "pick one", title: "Reviewer", buttons: [{ title: "A", url: "x" }] });
    expect(card.type === "actionCard" && readSenderHeader(card.text)?.sender).toBe("Reviewer");
    expect(readSenderHeader("(1/3)\n[Lead] 第一段")).toEqual({
      header: "Lead",
      sender: "Lead",
      body: "第一段",
    });
    expect(readSenderHeader("(1/2)\n\n**Lead**\n\n## Plan")?.sender).toBe("Lead");
  });

  it("splits `A → B` headers and keeps the body", () => {
    expect(senderHeader("Lead", ["Reviewer", "@all"])).toBe("Lead → Reviewer, @all");
    expect(readSenderHeader("[Lead → Reviewer, @all] please review")).toEqual({
      header: "Lead → Reviewer, @all",
      sender: "Lead",
      body: "please review",
    });
    expect(readSenderHeader("**Lead → Reviewer**  \r\n\r\n# Plan")).toEqual({
      header: "Lead → Reviewer",
      sender: "Lead",
      body: "# Plan",
    });
    expect(readSenderHeader("[Lead]")).toEqual({ header: "Lead", sender: "Lead", body: "" });
  });

  it("finds no header in other texts", () => {
    for (const text of [
      "",
      "hello",
      "(2/3)\n第二段",
      "[ ] todo",
      "see [docs](https://x.example)",
      "**bold** start of a sentence",
      "Note: remember this",
      "[→ Reviewer] x",
    ]) {
      expect(readSenderHeader(text), text).toBeUndefined();
    }
  });
});

describe("actorByHeaderName and quoteRoute", () => {
  it("resolves titles, untitled ids and loose spellings; ambiguity and strangers resolve to nothing", () => {
    expect(actorByHeaderName("Lead", ACTORS)).toBe("lead");
    expect(actorByHeaderName("peer-x", ACTORS)).toBe("peer-x");
    expect(actorByHeaderName("REVIEWER", ACTORS)).toBe("reviewer");
    expect(actorByHeaderName("SYSTEM", ACTORS)).toBeUndefined();
    expect(actorByHeaderName("user", ACTORS)).toBeUndefined();
    const twins = [actor("a", "Dev"), actor("b", "Dev")];
    expect(actorByHeaderName("Dev", twins)).toBeUndefined();
    // The exact inverse wins: header "reviewer" was written for the actor titled so, not the id.
    const clash = [actor("x", "reviewer"), actor("reviewer", "Checker")];
    expect(actorByHeaderName("reviewer", clash)).toBe("x");
  });

  it("keeps a one-line excerpt of at most QUOTE_MAX characters", () => {
    const long = "很长".repeat(200);
    const route = quoteRoute({ text: `[Lead] ${long}` }, ACTORS);
    expect(route.to).toBe("lead");
    expect(route.line?.startsWith("> Lead: 很长")).toBe(true);
    expect(Array.from(route.line?.slice("> Lead: ".length) ?? "")).toHaveLength(QUOTE_MAX);
    expect(quoteRoute({ text: "**Lead**\n\n## Plan\n\n- a\n- b" }, ACTORS).line).toBe(
      "> Lead: ## Plan - a - b",
    );
    expect(quoteRoute({ text: "a person's\nmessage" }, ACTORS)).toEqual({ line: "> a person's message" });
    expect(quoteRoute({ text: "[SYSTEM] notice" }, ACTORS)).toEqual({ line: "> SYSTEM: notice" });
    expect(quoteRoute({ text: "  " }, ACTORS)).toEqual({});
    expect(quoteRoute(undefined, ACTORS)).toEqual({});
  });
});

describe("the bridge routes quote-replies", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.bridge.stop();
    h = undefined;
  });
  const q = (text: string): QuotedMessage => ({ text, messageId: "msgRobot==" });
  const sent = () => h?.host.userMessages().map((e) => [e.data.to, e.data.text]);

  it("direct chat: plain text and /send without @targets go to the quoted agent; @targets win", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "yes, fix it first", quoted: q("[Reviewer] 要我先修吗？") });
    await h.adapter.receive({ text: "/send and add a test", quoted: q("**Reviewer**\n\n## Plan") });
    await h.adapter.receive({ text: "@lead what do you think?", quoted: q("[Reviewer] 要我先修吗？") });
    await h.adapter.receive({ text: "/send @all status?", quoted: q("[Reviewer] 要我先修吗？") });
    expect(sent()).toEqual([
      [["reviewer"], "> Reviewer: 要我先修吗？\nyes, fix it first"],
      [["reviewer"], "> Reviewer: ## Plan\nand add a test"],
      [["lead"], "> Reviewer: 要我先修吗？\nwhat do you think?"],
      [["@all"], "> Reviewer: 要我先修吗？\nstatus?"],
    ]);
  });

  it("unknown or ambiguous headers, and quotes without text, take the default route", async () => {
    h = await startBridge();
    await subscribeChat(h);
    h.host.info.actors.push(actor("reviewer-2", "Reviewer"));
    await h.adapter.receive({ text: "ok", quoted: q("[Reviewer] ambiguous now") });
    await h.adapter.receive({ text: "ok too", quoted: q("a person's message") });
    await h.adapter.receive({ text: "and this", quoted: { text: "", messageId: "msgPic==" } });
    expect(sent()).toEqual([
      [["@foreman"], "> Reviewer: ambiguous now\nok"],
      [["@foreman"], "> a person's message\nok too"],
      [["@foreman"], "and this"],
    ]);
    expect(h.adapter.textsTo(DIRECT).filter((t) => t.startsWith("❌"))).toEqual([]);
  });

  it("group chat: a quote-reply to an agent after the @mention is forwarded; other plain text gets the hint", async () => {
    h = await startBridge();
    await subscribeChat(h, GROUP);
    await h.adapter.receive({ chatId: GROUP, text: "先修登录页", quoted: q("[Reviewer] 要我先修吗？") });
    await h.adapter.receive({
      chatId: GROUP,
      text: "/send 顺便跑一下测试",
      quoted: q("[Reviewer] 要我先修吗？"),
    });
    expect(sent()).toEqual([
      [["reviewer"], "> Reviewer: 要我先修吗？\n先修登录页"],
      [["reviewer"], "> Reviewer: 要我先修吗？\n顺便跑一下测试"],
    ]);
    await h.adapter.receive({ chatId: GROUP, text: "嗯", quoted: q("张三说的话") });
    expect(h.adapter.lastText(GROUP)).toContain("In group chats only commands are forwarded");
    expect(sent()).toHaveLength(2);
  });

  it("a paused chat refuses a quote-reply like any other send", async () => {
    h = await startBridge();
    await subscribeChat(h);
    await h.adapter.receive({ text: "/pause" });
    await h.adapter.receive({ text: "go", quoted: q("[Reviewer] ready") });
    expect(sent()).toEqual([]);
    expect(h.adapter.lastText(DIRECT)).toContain("paused");
  });
});
