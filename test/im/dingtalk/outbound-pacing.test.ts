/**
 * Outbound pacing against the fake DingTalk enforcing scaled-down platform limits: the bridge core
 * (in process, FakeHost ledger) with the real DingTalk adapter over loopback.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RateLimits } from "../../../src/im/dingtalk/rate-limit.js";
import type { FakeLimits } from "../../fakes/dingtalk/index.js";
import { waitFor } from "../../support/cli.js";
import { type DingTalkBridge, startDingTalkBridge } from "../../support/dingtalk-bridge.js";

const CID = "cid-pacing";
/** 5 messages per chat per 600 ms: the platform's 20/min, scaled so a test takes seconds. */
const SCALED: FakeLimits = { apiCalls: 20, apiWindowMs: 1_000, chatMessages: 5, chatWindowMs: 600 };

let w: DingTalkBridge | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function world(clientLimits: Partial<RateLimits>): Promise<DingTalkBridge> {
  w = await startDingTalkBridge({
    fake: { limits: SCALED },
    api: { retryBaseMs: 100, retryMaxMs: 400, limits: clientLimits },
    bridge: { retry: { baseMs: 100, maxMs: 400, attempts: 50 }, cursorFlushMs: 5 },
  });
  await w.subscribe(CID);
  // The two replies took slots of the chat's window: let it pass so each case starts fresh.
  await new Promise((r) => setTimeout(r, SCALED.chatWindowMs));
  return w;
}

/** Every `msg-N` marker the chat received, in order of arrival. */
const markers = (w: DingTalkBridge) => w.markers(CID, "msg-");
const bodies = (w: DingTalkBridge) => w.bodies(CID);

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("outbound pacing at the platform's limits", () => {
  it("sends big messages exactly as fast as the chat's window allows, with no throttle answer", {
    timeout: 60_000,
  }, async () => {
    const w = await world({ chatMessages: SCALED.chatMessages, chatWindowMs: SCALED.chatWindowMs });
    // ~2,000 characters each: two never fit in one DingTalk message, so nothing merges.
    const filler = "x".repeat(2_000);
    const t0 = Date.now();
    for (const i of range(12)) w.host.say("lead", `msg-${i} ${filler}`, ["user"]);
    await waitFor(() => markers(w).length >= 12, 40_000, "12 deliveries");
    const elapsed = Date.now() - t0;
    expect(markers(w)).toEqual(range(12));
    expect(bodies(w)).toHaveLength(12);
    expect(w.fake.state.limiter.throttled).toEqual({ api: 0, chat: 0 });
    // 12 messages at 5 per window need at least two more windows after the first five.
    expect(elapsed).toBeGreaterThanOrEqual(2 * SCALED.chatWindowMs);
  });

  it("under a fake stricter than the client thinks: backs off on throttle answers, loses and repeats nothing", {
    timeout: 90_000,
  }, async () => {
    const w = await world({ chatMessages: 100, chatWindowMs: SCALED.chatWindowMs });
    const filler = "y".repeat(2_000);
    for (const i of range(15)) w.host.say("lead", `msg-${i} ${filler}`, ["user"]);
    await waitFor(() => markers(w).length >= 15, 80_000, "15 deliveries");
    await w.bridge.idle(20_000);
    expect(w.fake.state.limiter.throttled.chat).toBeGreaterThan(0);
    expect(markers(w)).toEqual(range(15));
    expect(bodies(w)).toHaveLength(15);
  });

  it("merges consecutive small messages when a queue forms, in order, never text with markdown", {
    timeout: 60_000,
  }, async () => {
    const w = await world({ chatMessages: SCALED.chatMessages, chatWindowMs: SCALED.chatWindowMs });
    for (const i of range(40)) {
      // msg-20 is markdown: it must go out on its own, between the texts before and after it.
      w.host.say("lead", i === 20 ? `**msg-${i}** in bold` : `msg-${i} short`, ["user"]);
    }
    await waitFor(() => markers(w).length >= 40, 40_000, "40 messages");
    await w.bridge.idle(20_000);
    expect(markers(w)).toEqual(range(40));
    const sent = w.fake.sent.filter((m) => (m.target.conversationId ?? m.target.openConversationId) === CID);
    expect(sent.length).toBeLessThan(40 / 2);
    const md = sent.filter((m) => m.msgKey === "markdown" || m.msgKey === "sampleMarkdown");
    expect(md).toHaveLength(1);
    expect(JSON.stringify(md[0]?.msgParam)).not.toMatch(/msg-(19|21)\b/);
    // Each merged message keeps every sender header and fits DingTalk's size limit.
    for (const b of bodies(w).filter((x) => !x.includes("**")))
      expect(b.match(/\[Lead\]/g)?.length).toBe(b.match(/msg-\d+/g)?.length);
    expect(w.fake.state.limiter.throttled).toEqual({ api: 0, chat: 0 });
  });
});
