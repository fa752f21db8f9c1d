/**
 * Item 3: one chat floods the bridge with thousands of messages. The per-chat inbound limit
 * (default 20 per 10 s) forwards what fits, refuses the rest, and says so ONCE per window with the
 * exact count; forwarded + refused = sent (nothing silently dropped); another chat keeps flowing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { type BridgeWorld, configureAndStart, startBridgeWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const FLOOD = {
  chat: "direct" as const,
  conversationId: "cid-flood",
  senderNick: "flood",
  senderStaffId: "u-flood",
};
const CALM = {
  chat: "direct" as const,
  conversationId: "cid-calm",
  senderNick: "calm",
  senderStaffId: "u-calm",
};
const N = 2000;
let w: BridgeWorld;

const userEvents = async (): Promise<LedgerEvent[]> =>
  (
    await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=5000`)
  ).body.events.filter((e) => e.kind === "chat.message" && e.by === "user");
const fromChat = (events: LedgerEvent[], chat: string) =>
  events.filter((e) => (e.data.source as { chat_id: string }).chat_id === chat);
const textsTo = (chat: string) =>
  w.fake.sent
    .filter((m) => JSON.stringify(m.target).includes(chat) || JSON.stringify(m.body).includes(chat))
    .map((m) => {
      const p = m.msgParam as { content?: string; text?: string };
      return `${p.content ?? ""}${p.text ?? ""}`;
    });

beforeAll(async () => {
  w = await startBridgeWorld([
    { id: "lead", runtime: "custom", command: ["node", "-e", "setInterval(()=>{},1000)"] },
  ]);
  await configureAndStart(w);
  await w.subscribe(FLOOD);
  await w.subscribe(CALM);
  // /subscribe took a token from the flood chat's bucket (20 per 10 s: one back every 500 ms); the
  // flood below expects a full bucket of 20.
  await new Promise((r) => setTimeout(r, 600));
}, 60_000);
afterAll(() => w?.close());

describe("a flood from one chat", () => {
  it("is limited per chat, counted, told once per window; the other chat keeps flowing", async () => {
    const started = Date.now();
    for (let i = 0; i < N; i++) {
      w.fake.push(w.fake.robotMessage({ ...FLOOD, text: `flood ${i}` }));
      if (i % 400 === 0) w.fake.push(w.fake.robotMessage({ ...CALM, text: `calm ${i / 400}` }));
    }
    const calm = 5;
    await waitFor(
      async () => fromChat(await userEvents(), CALM.conversationId).length >= calm,
      20_000,
      "calm chat",
    );
    const pushedMs = Date.now() - started;
    // The window's single reply comes when the window ends.
    const slowDown = await waitFor(
      () => {
        const r = w.sentText().filter((s) => s.includes("Slow down"));
        return r.length > 0 ? r : undefined;
      },
      25_000,
      "the slow-down reply",
    );
    await new Promise((r) => setTimeout(r, 1000));
    const events = await userEvents();
    const forwarded = fromChat(events, FLOOD.conversationId);
    const ids = forwarded.map((e) => (e.data.source as { message_id: string }).message_id);
    expect(new Set(ids).size).toBe(ids.length);
    const refused = w
      .sentText()
      .filter((s) => s.includes("Slow down"))
      .map((s) => Number(/(\d+) messages? (?:was|were) not forwarded/.exec(s)?.[1] ?? Number.NaN));
    const totalRefused = refused.reduce((a, b) => a + b, 0);
    console.log(
      `flood: ${N} pushed in ${pushedMs} ms, ${forwarded.length} forwarded, ${totalRefused} refused in ${refused.length} window(s)`,
    );
    expect(forwarded.length + totalRefused).toBe(N); // nothing silently dropped
    expect(forwarded.length).toBeGreaterThanOrEqual(20);
    expect(forwarded.length).toBeLessThan(20 + Math.ceil(pushedMs / 500) + 5);
    // one reply per 10 s window at most
    expect(refused.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 10_000) + 1);
    expect(slowDown[0]).toMatch(/limit: 20 messages per 10 s/);
    // the calm chat got everything, once, and no slow-down
    const calmIds = fromChat(events, CALM.conversationId).map((e) => e.data.text);
    expect(calmIds).toEqual(["calm 0", "calm 1", "calm 2", "calm 3", "calm 4"]);
    expect(textsTo(CALM.conversationId).some((s) => s.includes("Slow down"))).toBe(false);
    // counted in status and the ledger
    const status = (
      JSON.parse(await w.cli(["im", "status", "--json"])) as { status: { refused_inbound: number } }
    ).status;
    expect(status.refused_inbound).toBe(totalRefused);
    const recorded = (
      await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=5000`)
    ).body.events.filter((e) => e.kind === "im.inbound_refused");
    expect(recorded.reduce((a, e) => a + Number(e.data.count), 0)).toBe(totalRefused);
    expect(await w.cli(["im", "logs", "-n", "500"])).toMatch(
      /chat cid-flood: \d+ message\(s\) not forwarded \(rate limit/,
    );
  }, 60_000);
});
