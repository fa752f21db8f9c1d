/**
 * A reply too long for one DingTalk message goes out as several. When the platform refuses a later
 * part for longer than the API client's own retries, the send queue retries the delivery: it must
 * resume at the refused part, never send the accepted parts again (the bridge core in process with
 * the real DingTalk adapter over loopback to the fake DingTalk).
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../support/cli.js";
import { type DingTalkBridge, startDingTalkBridge } from "../../support/dingtalk-bridge.js";

const CID = "cid-chunks";

let w: DingTalkBridge | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function world(): Promise<DingTalkBridge> {
  w = await startDingTalkBridge({
    api: { retryBaseMs: 20, retryMaxMs: 40 },
    bridge: { retry: { baseMs: 20, maxMs: 40, attempts: 10 }, cursorFlushMs: 5 },
  });
  await w.subscribe(CID);
  return w;
}

describe("a long reply sent as several messages", () => {
  it("resumes at the refused part after a retry: no part is sent twice, none is lost", {
    timeout: 60_000,
  }, async () => {
    const w = await world();
    // 12 paragraphs of ~1,000 characters: more than 3 DingTalk messages (3,500 characters each).
    const paragraphs = Array.from({ length: 12 }, (_, i) => `part-${i} ${"字".repeat(1_000)}`);
    // The first part goes through, then the reply link refuses 6 calls in a row, so the send queue
    // has to retry the delivery (the rest may then go by the reply link or the robot OpenAPI).
    w.fake.fail("webhook", "qps", 6, 1);
    w.host.say("lead", paragraphs.join("\n\n"), ["user"]);
    await waitFor(() => w.markers(CID, "part-").length >= 12 || undefined, 40_000, "all 12 parts");
    await w.bridge.idle();
    expect(w.markers(CID, "part-")).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // The queue did retry the delivery (the scenario this test is about happened).
    expect(
      w.host.logs.some((l) => /\[outbound\] event #\d+ to cid-chunks: dingtalk_throttled, retry/.test(l)),
    ).toBe(true);
  });
});
