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
        const texts = w.sentText().filter((s) => s.includes("during outage"));
        return texts.length >= 3 ? texts : undefined;
      },
      80_000,
      "all three messages after the outage",
    );
    expect(seen.map((s) => /during outage (\d)/.exec(s)?.[1])).toEqual(["1", "2", "3"]);
  });
});
