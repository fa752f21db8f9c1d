/**
 * Quote-reply routing end to end: a real daemon, the fake DingTalk, two real echo agents. An agent's
 * message reaches the chat; the user quote-replies (回复) to it; the reply is addressed to THAT agent
 * (not the foreman), who answers, and the answer comes back to the chat.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { AGENTS, type BridgeWorld, configureAndStart, startBridgeWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const DIRECT = {
  chat: "direct" as const,
  conversationId: "cid-quote-direct",
  senderNick: "王五",
  senderStaffId: "staff-wang",
};
const GROUP = {
  chat: "group" as const,
  conversationId: "cid-quote-group",
  conversationTitle: "引用回复测试群",
  senderNick: "赵六",
  senderStaffId: "staff-zhao",
};
const agent = ["node", `${AGENTS}/echo-agent.mjs`];

let w: BridgeWorld;

async function agentSays(by: string, text: string, to: string[] = ["user"]): Promise<void> {
  await w.t.api("POST", `/api/v1/groups/${w.gid}/send`, { by, text, to });
}

async function ledger(): Promise<LedgerEvent[]> {
  return (await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=100`)).body
    .events;
}

/** The user's message that came from DingTalk and ends with `text`. */
function fromChat(events: LedgerEvent[], text: string): LedgerEvent | undefined {
  return events.find(
    (e) =>
      e.kind === "chat.message" &&
      e.by === "user" &&
      typeof e.data.text === "string" &&
      e.data.text.endsWith(text),
  );
}

/** The user quote-replies to the chat message `shown` and we wait for the agent's answer to it. */
async function quoteReply(chat: typeof DIRECT | typeof GROUP, shown: string, text: string, msgType = "text") {
  w.fake.push(w.fake.robotMessage({ ...chat, text, quote: { text: shown, msgType } }));
  const body = text.replace(/^(@\S+\s+)+/, ""); // leading @targets are not part of the forwarded text
  const sent = await waitFor(
    async () => fromChat(await ledger(), body),
    20_000,
    "the quote-reply in the ledger",
  );
  const answer = await waitFor(
    async () => (await ledger()).find((e) => e.kind === "chat.message" && e.data.reply_to === sent.id),
    20_000,
    "the agent's answer to the quote-reply",
  );
  return { sent, answer };
}

beforeAll(async () => {
  w = await startBridgeWorld([
    { id: "lead", runtime: "custom", command: agent, title: "Lead" },
    { id: "reviewer", runtime: "custom", command: agent, title: "Reviewer" },
  ]);
  await configureAndStart(w);
  await w.t.api("POST", `/api/v1/groups/${w.gid}/start`);
  await w.subscribe(DIRECT);
  await w.subscribe(GROUP);
}, 60_000);
afterAll(() => w?.close());

describe("DingTalk quote-reply routing end to end", () => {
  it("direct chat: a quote-reply to the reviewer's message goes to the reviewer, who answers", async () => {
    await agentSays("reviewer", "登录页的测试还有两个失败，要我先修吗？");
    const shown = await w.waitSent(/^\[Reviewer\] 登录页的测试/, "the reviewer's message in the chat");
    const { sent, answer } = await quoteReply(DIRECT, shown, "先修，然后跑一遍回归测试");
    expect(sent.data.to).toEqual(["reviewer"]);
    expect(sent.data.text).toBe(
      "> Reviewer: 登录页的测试还有两个失败，要我先修吗？\n先修，然后跑一遍回归测试",
    );
    expect(sent.data.source).toMatchObject({ platform: "dingtalk", chat_id: DIRECT.conversationId });
    expect(answer.by).toBe("reviewer");
    // The answer reaches the chat, headed with the reviewer's title.
    await waitFor(
      () => w.sentText().find((s) => s === `[Reviewer] ${String(answer.data.text).trim()}`),
      20_000,
      "the reviewer's answer in the chat",
    );
  });

  it("explicit @targets still win over the quote", async () => {
    const shown = w.sentText().find((s) => s.startsWith("[Reviewer] 登录页的测试")) ?? "";
    const { sent, answer } = await quoteReply(DIRECT, shown, "@lead 你来决定吧");
    expect(sent.data.to).toEqual(["lead"]);
    expect(sent.data.text).toBe("> Reviewer: 登录页的测试还有两个失败，要我先修吗？\n你来决定吧");
    expect(answer.by).toBe("lead");
  });

  it("group chat: after the @mention, a quote-reply to a markdown message goes to its author", async () => {
    await agentSays("reviewer", "## Review\n\n- 两个测试失败\n- 一处 **空指针**");
    const shown = await w.waitSent(/^\*\*Reviewer\*\*\n\n## Review/, "the reviewer's markdown in the chat");
    const { sent, answer } = await quoteReply(GROUP, shown, "空指针那处先修", "markdown");
    expect(sent.data.to).toEqual(["reviewer"]);
    expect(sent.data.text).toMatch(/^> Reviewer: ## Review - 两个测试失败 .*\n空指针那处先修$/);
    expect(sent.data.source).toMatchObject({ chat_type: "group", chat_id: GROUP.conversationId });
    expect(answer.by).toBe("reviewer");
  });

  it("a quote of something that is not an agent's message takes the default route (the foreman)", async () => {
    const { sent, answer } = await quoteReply(DIRECT, "周五之前要上线", "这个还算数吗？");
    expect(sent.data.to).toEqual(["@foreman"]);
    expect(sent.data.text).toBe("> 周五之前要上线\n这个还算数吗？");
    expect(answer.by).toBe("lead");
  });
});
