/**
 * The team board end to end through the real bridge, the real DingTalk adapter and the fake
 * DingTalk server over loopback: `/status` creates an AI card, actor changes update it in place,
 * its buttons carry the commands, updates stop after the bound, and the text status is the fallback.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BoardTiming } from "../../../src/im/board.js";
import { Bridge } from "../../../src/im/bridge.js";
import { DingTalkAdapter } from "../../../src/im/dingtalk/adapter.js";
import type { Language } from "../../../src/im/replies/index.js";
import { type FakeCard, type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";
import type { FakeDingTalkOptions } from "../../fakes/dingtalk/server.js";
import { FakeHost } from "../support/fake-host.js";

let fake: FakeDingTalk;
let host: FakeHost;
let bridge: Bridge | undefined;

async function world(opts: {
  board?: BoardTiming | null;
  language?: Language;
  fake?: FakeDingTalkOptions;
}): Promise<void> {
  fake = await startFakeDingTalk({ redeliverAfterMs: null, cards: { updateMinIntervalMs: 0 }, ...opts.fake });
  host = new FakeHost(mkdtempSync(join(tmpdir(), "cccc-board-")));
  host.info.actors = [
    {
      id: "lead",
      title: "Lead",
      role: "foreman",
      runtime: "claude",
      status: "running",
      unread: 0,
      turn: "idle",
    },
    { id: "reviewer", title: "Reviewer", role: "peer", runtime: "codex", status: "stopped", unread: 2 },
  ];
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
  });
  bridge = new Bridge(
    host,
    adapter,
    {
      platform: "dingtalk",
      filesEnabled: false,
      maxFileMb: 1,
      language: opts.language ?? "en",
      board: opts.board === undefined ? { refreshMs: 100, liveMs: 60_000 } : opts.board,
    },
    { retry: { baseMs: 5, maxMs: 20, attempts: 4 } },
  );
  await bridge.start();
}

afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  await fake.close();
  host.cleanup();
});

const STAFF = "manager4567";

function say(chat: "direct" | "group", text: string, conversationId: string): void {
  fake.push(fake.robotMessage({ chat, text, conversationId, senderStaffId: STAFF }));
}

async function subscribe(chat: "direct" | "group", conversationId: string): Promise<void> {
  say(chat, "/subscribe", conversationId);
  // The key the bot sent to the chat, as a user would copy it.
  const key = await fake.waitFor(
    () => fake.sent.map((m) => /--key ([A-Za-z0-9]+)/.exec(JSON.stringify(m.msgParam))?.[1]).find(Boolean),
    20_000,
    "a /subscribe key",
  );
  await bridge?.admin.bind(key);
}

const content = (card: FakeCard) => card.params.msgContent ?? "";

/** The commands the card's buttons send (decoded from their dtmd:// links). */
function buttonCommands(markdown: string): string[] {
  return [...markdown.matchAll(/\]\((dtmd:\/\/dingtalkclient\/sendMessage\?content=[^)\s]+)\)/g)].map((m) =>
    decodeURIComponent(new URL(m[1] ?? "").searchParams.get("content") ?? ""),
  );
}

const waitCard = (what: string, test: (c: FakeCard) => boolean) =>
  fake.waitFor(() => fake.cards.list().find(test), 20_000, what);

describe("team board (/status as a live AI card)", () => {
  it("creates a card, updates it on actor changes, and its buttons send the commands", async () => {
    await world({});
    await subscribe("direct", "cidBoardDirect");
    say("direct", "/status", "cidBoardDirect");
    const card = await waitCard("the board card", () => true);
    expect(card.space).toEqual({ kind: "direct", userId: STAFF });
    expect(card.params.msgTitle).toBe("Team board · Demo Group");
    expect(card.params.flowStatus).toBe("3"); // never shown as "processing"
    expect(content(card)).toContain("👑 Lead (@lead, claude): 🟢 idle, 0 unread");
    expect(content(card)).toContain("👤 Reviewer (@reviewer, codex): ⚪ stopped, 2 unread");
    expect(content(card)).toMatch(/🔄 Live: updates itself until \d\d:\d\d\./);
    expect(buttonCommands(content(card))).toEqual(["/status", "/pause", "/verbose on", "/stop"]);
    // No text status besides the card (never both).
    expect(fake.sent.some((m) => JSON.stringify(m.msgParam).includes("📊"))).toBe(false);

    // An actor starts working: the same card changes in place.
    host.info.actors = host.info.actors.map((a) =>
      a.id === "lead" ? { ...a, turn: "working" as const, activity: "running npm test", unread: 1 } : a,
    );
    await fake.waitFor(
      () => content(card).includes("🔵 working (running npm test), 1 unread"),
      20_000,
      "the board showing the working actor",
    );
    expect(card.states.filter((s) => s.op === "update").length).toBeGreaterThan(0);

    // Stuck: a running actor that needs a human.
    host.info.actors = host.info.actors.map((a) =>
      a.id === "lead" ? { ...a, attention: { message: "Approve the login", screen: ["> login?"] } } : a,
    );
    await fake.waitFor(() => content(card).includes("🟠 stuck"), 20_000, "the board showing a stuck actor");

    // The pause button's command, sent as the chat would: the chat pauses and the board offers resume.
    const pause = buttonCommands(content(card)).find((c) => c === "/pause");
    expect(pause).toBe("/pause");
    say("direct", pause ?? "", "cidBoardDirect");
    await fake.waitFor(
      () => buttonCommands(content(card)).includes("/resume"),
      20_000,
      "the board offering /resume after /pause",
    );
    expect(content(card)).toContain("paused");
    expect(fake.cards.list()).toHaveLength(1);
  });

  it("stops updating after the bound and says so", async () => {
    await world({ board: { refreshMs: 100, liveMs: 1_500 } });
    await subscribe("direct", "cidBoardBound");
    say("direct", "/status", "cidBoardBound");
    const card = await waitCard("the board card", () => true);
    await fake.waitFor(() => content(card).includes("Live updates ended at"), 20_000, "the final footer");
    const states = card.states.length;
    // A board asked for now in the same chat is live: once it has shown three changes, one refresh
    // period apart at least, the ended board would have shown them too.
    say("direct", "/status", "cidBoardBound");
    const live = await waitCard("a second, live board", (c) => c !== card);
    for (const unread of [5, 6, 7]) {
      host.info.actors = host.info.actors.map((a) => (a.id === "lead" ? { ...a, unread } : a));
      await fake.waitFor(
        () => content(live).includes(`(@lead, claude): 🟢 idle, ${unread} unread`),
        20_000,
        `${unread} unread`,
      );
    }
    expect(card.states.length).toBe(states);
    expect(content(card)).not.toMatch(/[567] unread/);
  });

  it("a group board goes to the group's space, in Chinese, without buttons (a button cannot @ the robot)", async () => {
    await world({ language: "zh" });
    await subscribe("group", "cidBoardGroup");
    say("group", "/status", "cidBoardGroup");
    const card = await waitCard("the group board", () => true);
    expect(card.space).toEqual({ kind: "group", openConversationId: "cidBoardGroup" });
    expect(card.params.msgTitle).toBe("团队看板 · Demo Group");
    expect(content(card)).toContain("🟢 空闲");
    expect(content(card)).toContain("🔄 实时更新中");
    expect(buttonCommands(content(card))).toEqual([]);
  });

  it("falls back to the text status when the app lacks Card.Instance.Write", async () => {
    await world({
      fake: {
        apps: [{ appKey: "kboard", appSecret: "s-board-0123456789", deniedScopes: ["Card.Instance.Write"] }],
      },
    });
    await subscribe("direct", "cidBoardDenied");
    say("direct", "/status", "cidBoardDenied");
    await fake.waitFor(
      () => fake.sent.find((m) => JSON.stringify(m.msgParam).includes("📊 Demo Group")),
      20_000,
      "the text status",
    );
    expect(fake.cards.list()).toHaveLength(0);
  });

  it("with cards off (board null) /status is today's text reply", async () => {
    await world({ board: null });
    await subscribe("direct", "cidBoardOff");
    say("direct", "/status", "cidBoardOff");
    await fake.waitFor(
      () => fake.sent.find((m) => JSON.stringify(m.msgParam).includes("📊 Demo Group")),
      20_000,
      "the text status",
    );
    expect(fake.cards.list()).toHaveLength(0);
  });
});
