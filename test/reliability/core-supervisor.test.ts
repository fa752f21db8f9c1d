/**
 * Item 2: a bridge worker crash (the adapter's onFatal: the Stream gateway rejects the app while
 * reconnecting) is restarted by the supervisor, visible in `cccc im status --json` (restarts) and in
 * the bridge log; a message sent around the crash lands once and is answered. A crashing actor is
 * reported in the chat (actor.exited + public system.notify).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { AGENTS, type BridgeWorld, configureAndStart, startBridgeWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const CHAT = { chat: "direct" as const, conversationId: "cid-supervised", senderNick: "赵六" };
let w: BridgeWorld;

const userEvents = async (): Promise<LedgerEvent[]> =>
  (
    await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=200`)
  ).body.events.filter((e) => e.kind === "chat.message" && e.by === "user");

beforeAll(async () => {
  w = await startBridgeWorld(
    [
      { id: "lead", runtime: "custom", command: ["node", `${AGENTS}/echo-agent.mjs`] },
      {
        id: "crasher",
        runtime: "custom",
        runner: "headless",
        command: ["node", `${AGENTS}/headless-agent.mjs`, "crash", "3"],
      },
      // a push on the dropped socket is re-pushed by the fake, as DingTalk does for unacked callbacks
    ],
    { redeliverAfterMs: 2_000 },
  );
  await configureAndStart(w);
  await w.cli(["actor", "start", "lead"]);
  await w.subscribe(CHAT);
}, 60_000);
afterAll(() => w?.close());

describe("supervised bridge worker", () => {
  it("a crashed worker is restarted, shown in status and the log, and loses no message", async () => {
    const before = JSON.parse(await w.cli(["im", "status", "--json"])) as { status: { restarts: number } };
    expect(before.status.restarts).toBe(0);
    w.fake.fail(
      "gateway",
      { status: 400, body: { code: "invalidClientIdOrSecret", message: "Invalid appkey" } },
      1,
    );
    w.fake.dropSocket();
    const during = w.fake.robotMessage({ ...CHAT, text: "sent while the worker crashed" });
    w.fake.push(during);
    const status = await waitFor(
      async () => {
        const s = (
          JSON.parse(await w.cli(["im", "status", "--json"])) as {
            status: { restarts: number; running: boolean; connected: boolean };
          }
        ).status;
        return s.restarts >= 1 && s.running && s.connected ? s : undefined;
      },
      20_000,
      "the restarted bridge",
    );
    expect(status.restarts).toBe(1);
    const log = await w.cli(["im", "logs", "-n", "200"]);
    expect(log).toMatch(/\[bridge\] crashed: .*Invalid appkey/);
    expect(log).toMatch(
      /\[supervisor\] bridge crashed \(dingtalk_invalid_app_key: .*\); restart #1 in \d+ ms/,
    );
    expect(log).toMatch(/\[supervisor\] bridge restarted \(restart #1\)/);
    await w.waitSent(
      /echo: sent while the worker crashed/,
      "the answer to the message sent during the crash",
    );
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "after the restart" }));
    await w.waitSent(/echo: after the restart/, "the answer after the restart");
    const ids = (await userEvents()).map((e) => (e.data.source as { message_id: string }).message_id);
    expect(ids.filter((id) => id === during.msgId)).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("a crashing actor is reported in the chat", async () => {
    await w.cli(["actor", "start", "crasher"]);
    await w.waitSent(
      /Actor crasher stopped unexpectedly: crasher exited with exit code 3/,
      "the crash notice",
    );
  });
});
