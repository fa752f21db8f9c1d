/**
 * The team board with a real daemon, a real structured actor (the scripted stream-json CLI) and the
 * fake DingTalk: `/status` shows the actor idle, a slow turn turns it to working with its activity
 * on the same card, and the Stop button's command stops the turn — the board shows idle again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeCard } from "../fakes/dingtalk/index.js";
import { AGENTS, type BridgeWorld, configureAndStart, startBridgeWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const CHAT = { chat: "direct" as const, conversationId: "cid-board", senderStaffId: "staff-board" };
let w: BridgeWorld;

beforeAll(async () => {
  w = await startBridgeWorld(
    [{ id: "lead", runtime: "claude", command: ["node", `${AGENTS}/stream-json-agent.mjs`] }],
    {},
    { env: { CCCC_STRUCTURED_TIMINGS: JSON.stringify({ turnIdleMs: 4000, interruptGraceMs: 5000 }) } },
  );
  await configureAndStart(w);
  // im.board from group.yaml: refresh every second, live for a minute.
  await w.t.daemon.ctx.kernel.group(w.gid).updateConfig((c) => {
    if (c.im) c.im.board = { live_minutes: 1, refresh_seconds: 1 };
  });
  await w.cli(["im", "stop"]);
  await w.cli(["im", "start"]);
  await waitFor(() => w.fake.liveConnections().length > 0, 10_000, "stream connection");
  await w.t.api("POST", `/api/v1/groups/${w.gid}/start`);
  await w.subscribe(CHAT);
}, 60_000);
afterAll(() => w?.close());

const content = (c: FakeCard) => c.params.msgContent ?? "";
const say = (text: string) => w.fake.push(w.fake.robotMessage({ ...CHAT, text }));
const commands = (md: string) =>
  [...md.matchAll(/\]\((dtmd:[^)\s]+)\)/g)].map((m) => new URL(m[1] ?? "").searchParams.get("content") ?? "");

describe("team board with a structured actor", () => {
  it("idle → working (with its activity) → stopped turn → idle, on one card", async () => {
    say("/status");
    const card = await waitFor(
      () => w.fake.cards.list().find((c) => content(c).includes("@lead")),
      20_000,
      "the board card",
    );
    await waitFor(() => content(card).includes("🟢 idle"), 20_000, "lead idle on the board");

    say("/send a slow one");
    await waitFor(
      () => content(card).includes("🔵 working (running npm test)"),
      20_000,
      "lead working on the board",
    );

    const stop = commands(content(card)).find((c) => c === "/stop");
    expect(stop).toBe("/stop");
    say(stop ?? "");
    await waitFor(() => content(card).includes("🟢 idle"), 20_000, "lead idle again after /stop");
    expect(w.fake.cards.list().filter((c) => content(c).includes("@lead"))).toHaveLength(1);
    expect(content(card)).toMatch(/🔄 Live: updates itself until \d\d:\d\d\./);
  }, 60_000);
});
