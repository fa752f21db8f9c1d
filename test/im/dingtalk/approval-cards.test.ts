/**
 * Approval requests as AI cards updated in place, through the real bridge, the real DingTalk adapter
 * and the fake DingTalk server over loopback: a request is a card in every subscribed chat (buttons
 * in direct chats), the decision rewrites each card (who, from where, when; no buttons) instead of a
 * new message; a bridge restarted while pending still updates the cards; cards refused, off or gone
 * fall back to today's ActionCard and decision message (one hint per chat when refused).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Bridge } from "../../../src/im/bridge.js";
import { DingTalkAdapter } from "../../../src/im/dingtalk/adapter.js";
import { dingtalk } from "../../../src/im/dingtalk/module.js";
import type { Language } from "../../../src/im/replies/index.js";
import type { ApprovalDecidedData, ApprovalRequestedData } from "../../../src/kernel/approval.js";
import { type FakeCard, type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";
import type { FakeDingTalkOptions } from "../../fakes/dingtalk/server.js";
import { FakeHost } from "../support/fake-host.js";

let fake: FakeDingTalk | undefined;
let host: FakeHost | undefined;
let bridge: Bridge | undefined;

const STAFF = "manager4567";
const DIRECT_CID = "cidApprovalDirect";
const GROUP_CID = "cidApprovalGroup";

function makeBridge(opts: { language?: Language; cards?: boolean }): Bridge {
  if (!fake || !host) throw new Error("no world");
  const app = fake.app;
  const adapter = new DingTalkAdapter({
    appKey: app.appKey,
    appSecret: app.appSecret,
    apiBase: fake.apiBase,
    oapiBase: fake.oapiBase,
    stateDir: host.stateDir,
    log: () => {},
    api: { retryBaseMs: 10 },
    stream: { disconnectJitterMs: 0, backoffBaseMs: 20 },
    cards: { enabled: opts.cards !== false },
  });
  return new Bridge(
    host,
    adapter,
    {
      platform: "dingtalk",
      filesEnabled: false,
      maxFileMb: 1,
      language: opts.language ?? "en",
      // As the daemon names the platform in chat texts (src/daemon/im.ts).
      platformName: dingtalk.ui.chatNames?.[opts.language ?? "en"] ?? dingtalk.ui.label,
      cards: opts.cards !== false,
    },
    { retry: { baseMs: 5, maxMs: 20, attempts: 4 } },
  );
}

async function world(opts: { language?: Language; cards?: boolean; fake?: FakeDingTalkOptions } = {}) {
  fake = await startFakeDingTalk({ redeliverAfterMs: null, cards: { updateMinIntervalMs: 0 }, ...opts.fake });
  host = new FakeHost(mkdtempSync(join(tmpdir(), "cccc-approval-cards-")));
  bridge = makeBridge(opts);
  await bridge.start();
  return { fake, host };
}

afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  await fake?.close();
  host?.cleanup();
});

function say(chat: "direct" | "group", text: string, conversationId: string): void {
  fake?.push(fake.robotMessage({ chat, text, conversationId, senderStaffId: STAFF }));
}

async function subscribe(f: FakeDingTalk, chat: "direct" | "group", conversationId: string): Promise<void> {
  const keys = () =>
    f.sent.map((m) => /--key ([A-Za-z0-9]+)/.exec(JSON.stringify(m.msgParam))?.[1]).filter(Boolean);
  const before = keys().length;
  say(chat, "/subscribe", conversationId);
  const key = await f.waitFor(() => keys()[before], 20_000, "a /subscribe key");
  await bridge?.admin.bind(key ?? "");
}

async function request(h: FakeHost, id: string, command = "npm publish"): Promise<void> {
  const data: ApprovalRequestedData = {
    approval_id: id,
    actor_id: "lead",
    tool: "Bash",
    summary: `Run: ${command}`,
    input: { command },
    tool_use_id: `toolu_${id}`,
    expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
  };
  await h.appendEvent("approval.requested", data);
}

async function decide(h: FakeHost, id: string, d: Partial<ApprovalDecidedData> = {}): Promise<void> {
  await h.appendEvent("approval.decided", {
    approval_id: id,
    actor_id: "lead",
    tool: "Bash",
    decision: "deny",
    decided_by: "张三 (manager4567)",
    via: "dingtalk",
    chat_id: DIRECT_CID,
    reason: "not on Fridays",
    ...d,
  });
}

const content = (card: FakeCard) => card.params.msgContent ?? "";

/** The commands a card's buttons send (decoded from their dtmd:// links). */
function buttonCommands(markdown: string): string[] {
  return [...markdown.matchAll(/\]\((dtmd:\/\/dingtalkclient\/sendMessage\?content=[^)\s]+)\)/g)].map((m) =>
    decodeURIComponent(new URL(m[1] ?? "").searchParams.get("content") ?? ""),
  );
}

/** Messages (not cards) the fake received whose body mentions `needle`. */
const messagesWith = (f: FakeDingTalk, needle: string) =>
  f.sent.filter((m) => JSON.stringify(m.msgParam).includes(needle));

const cardsFor = (f: FakeDingTalk, id: string) =>
  f.cards.list().filter((c) => content(c).includes(`\`${id}\``));

describe("approval cards updated in place", () => {
  it("a request is a card in every chat; the decision rewrites each card instead of a new message", async () => {
    const { fake: f, host: h } = await world();
    await subscribe(f, "direct", DIRECT_CID);
    await subscribe(f, "group", GROUP_CID);
    await request(h, "k3x9q2");
    await f.waitFor(() => cardsFor(f, "k3x9q2").length === 2 || undefined, 20_000, "a card in each chat");
    const direct = f.cards.toUser(STAFF).find((c) => content(c).includes("k3x9q2"));
    const group = f.cards.inGroup(GROUP_CID).find((c) => content(c).includes("k3x9q2"));
    if (!direct || !group) throw new Error("cards missing");
    expect(direct.params.msgTitle).toBe("Approval k3x9q2: lead wants to use Bash");
    expect(content(direct)).toContain("```\nRun: npm publish\n```");
    expect(buttonCommands(content(direct))).toEqual([
      "/approve k3x9q2",
      "/deny k3x9q2",
      "/approve k3x9q2 always",
    ]);
    // A button cannot @ the robot in a group: the commands are in the text there.
    expect(buttonCommands(content(group))).toEqual([]);
    expect(content(group)).toContain("/approve k3x9q2");
    // The card replaces today's ActionCard (never both).
    expect(messagesWith(f, "k3x9q2")).toEqual([]);
    const file = join(h.stateDir, "approval-cards.json");
    await f.waitFor(() => existsSync(file) || undefined, 20_000, "the card records on disk");

    await decide(h, "k3x9q2");
    for (const card of [direct, group]) {
      await f.waitFor(() => content(card).includes("**Denied**") || undefined, 20_000, "the decided card");
      expect(card.params.msgTitle).toBe("⛔ Denied: lead using Bash (approval k3x9q2)");
      expect(content(card)).toMatch(
        /^⛔ \*\*Denied\*\* by 张三 \(manager4567\) in DingTalk, \d\d-\d\d \d\d:\d\d\.\n\nReason: not on Fridays\n/,
      );
      expect(content(card)).toContain("```\nRun: npm publish\n```");
      expect(buttonCommands(content(card))).toEqual([]);
      expect(card.states.map((s) => s.op)).toEqual(["create", "update"]);
    }
    await bridge?.idle();
    expect(messagesWith(f, "k3x9q2")).toEqual([]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ v: 1, cards: [] });
  });

  it("a bridge restarted while the request was pending still updates its cards (timeout, in Chinese)", async () => {
    const { fake: f, host: h } = await world({ language: "zh" });
    await subscribe(f, "direct", DIRECT_CID);
    await subscribe(f, "group", GROUP_CID);
    await request(h, "r5t7u9", "make deploy");
    await f.waitFor(() => cardsFor(f, "r5t7u9").length === 2 || undefined, 20_000, "both cards");
    await bridge?.stop();
    // Decided while the bridge was down; a new bridge (new adapter, same state) catches up.
    await decide(h, "r5t7u9", {
      decided_by: "system",
      via: "timeout",
      reason: "Nobody decided within 10 minutes (approval_timeout), so it was denied.",
    });
    bridge = makeBridge({ language: "zh" });
    await bridge.start();
    for (const card of cardsFor(f, "r5t7u9")) {
      await f.waitFor(() => content(card).includes("已拒绝") || undefined, 20_000, "the decided card");
      expect(content(card)).toMatch(/^⛔ \*\*已拒绝\*\*（无人及时处理，自动拒绝，\d\d-\d\d \d\d:\d\d）\n/);
      expect(content(card)).toContain("make deploy");
      expect(buttonCommands(content(card))).toEqual([]);
    }
    expect(messagesWith(f, "r5t7u9")).toEqual([]);
  });

  it("a chat paused after the card was shown: its card is still updated, no message", async () => {
    const { fake: f, host: h } = await world();
    await subscribe(f, "direct", DIRECT_CID);
    await request(h, "p4u5e6");
    const card = await f.waitFor(() => cardsFor(f, "p4u5e6")[0], 20_000, "the card");
    say("direct", "/pause", DIRECT_CID);
    await f.waitFor(() => messagesWith(f, "Paused")[0] ?? messagesWith(f, "paused")[0], 20_000, "paused");
    await decide(h, "p4u5e6", { decision: "approve", reason: undefined });
    await f.waitFor(() => content(card).includes("**Approved**") || undefined, 20_000, "the decided card");
    await bridge?.idle();
    expect(messagesWith(f, "Approved p4u5e6")).toEqual([]);
  });

  it("a card gone by the decision: the decision comes as a message", async () => {
    const { fake: f, host: h } = await world();
    await subscribe(f, "direct", DIRECT_CID);
    await request(h, "g0ne11");
    const card = await f.waitFor(() => cardsFor(f, "g0ne11")[0], 20_000, "the card");
    f.cards.expire(card.outTrackId);
    await decide(h, "g0ne11", { decision: "approve", decided_by: "user", via: "web", reason: undefined });
    await f.waitFor(
      () => messagesWith(f, "Approved g0ne11").length === 1 || undefined,
      20_000,
      "the message",
    );
    expect(content(card)).not.toContain("Approved");
  });
});

describe("fallback: today's ActionCard and decision message", () => {
  it("the app lacks Card.Instance.Write: one hint per chat, then messages", async () => {
    const { fake: f, host: h } = await world({
      fake: {
        apps: [
          { appKey: "kapprove", appSecret: "s-approve-0123456789", deniedScopes: ["Card.Instance.Write"] },
        ],
      },
    });
    await subscribe(f, "direct", DIRECT_CID);
    await request(h, "aaa111");
    await request(h, "bbb222");
    await f.waitFor(
      () => (messagesWith(f, "approval `bbb222`").length === 1 ? true : undefined),
      20_000,
      "the second request as a message",
    );
    // A chat subscribed after cards were turned off is told too, at its first request.
    await subscribe(f, "group", GROUP_CID);
    await request(h, "ccc333");
    await f.waitFor(
      () => (messagesWith(f, "approval `ccc333`").length === 2 ? true : undefined),
      20_000,
      "the third request in both chats",
    );
    const first = messagesWith(f, "approval `aaa111`");
    expect(first).toHaveLength(1);
    expect(first[0]?.msgKey).toMatch(/actionCard/i);
    expect(JSON.stringify(first[0]?.msgParam)).toContain(
      `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent("/approve aaa111")}`,
    );
    await decide(h, "aaa111");
    await f.waitFor(
      () => messagesWith(f, "Denied aaa111").length === 2 || undefined,
      20_000,
      "the decisions",
    );
    await bridge?.idle();
    const hints = messagesWith(f, "Approval requests come as messages");
    expect(hints).toHaveLength(2); // one per chat, not one per request
    expect(JSON.stringify(hints[0]?.msgParam)).toContain("Card.Instance.Write");
    expect(f.cards.list()).toHaveLength(0);
  });

  it("with cards off: ActionCard and decision message, no card, no hint", async () => {
    const { fake: f, host: h } = await world({ cards: false });
    await subscribe(f, "direct", DIRECT_CID);
    await request(h, "ccc333");
    await f.waitFor(() => messagesWith(f, "approval `ccc333`")[0], 20_000, "the request");
    await decide(h, "ccc333", { decision: "always" });
    await f.waitFor(() => messagesWith(f, "Always allowed ccc333")[0], 20_000, "the decision");
    await bridge?.idle();
    expect(f.cards.list()).toHaveLength(0);
    expect(messagesWith(f, "Approval requests come as messages")).toEqual([]);
  });
});
