import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENTS, type BridgeWorld, configureAndStart, startBridgeWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const CHAT = {
  chat: "direct" as const,
  conversationId: "cid-outage",
  senderNick: "钱七",
  senderStaffId: "staff-qian",
};

let w: BridgeWorld;

beforeAll(async () => {
  w = await startBridgeWorld([
    { id: "lead", runtime: "custom", command: ["node", `${AGENTS}/echo-agent.mjs`] },
  ]);
  await configureAndStart(w);
  await w.subscribe(CHAT);
});
afterAll(() => w?.close());

describe("a DingTalk outage on sends", () => {
  it("keeps retrying 5xx answers and delivers each message once, in order, when it ends", {
    timeout: 90_000,
  }, async () => {
    // Every send path fails for a while: the webhook, and the OpenAPI the adapter falls back to.
    w.fake.fail("webhook", "serverError", 6);
    w.fake.fail("usersSend", "serverError", 6);
    for (const n of [1, 2, 3]) {
      await w.t.api("POST", `/api/v1/groups/${w.gid}/send`, {
        by: "lead",
        text: `during outage ${n}`,
        to: ["user"],
      });
    }
    const seen = await waitFor(
      () => {
        // Queued messages may go out merged into one send: count the messages, not the sends.
        const seen = w.sentText().flatMap((s) => [...s.matchAll(/during outage (\d)/g)].map((m) => m[1]));
        return seen.length >= 3 ? seen : undefined;
      },
      80_000,
      "all three messages after the outage",
    );
    expect(seen).toEqual(["1", "2", "3"]);
  });
});
