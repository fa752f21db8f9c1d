/**
 * A reply too long for one DingTalk message goes out as several. When the platform refuses a later
 * part for longer than the API client's own retries, the send queue retries the delivery: it must
 * resume at the refused part, never send the accepted parts again (the bridge core in process with
 * the real DingTalk adapter over loopback to the fake DingTalk).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Bridge } from "../../../src/im/bridge.js";
import { DingTalkAdapter } from "../../../src/im/dingtalk/adapter.js";
import { type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";
import { waitFor } from "../../support/cli.js";
import { FakeHost } from "../support/fake-host.js";

const CID = "cid-chunks";

let fake: FakeDingTalk | undefined;
let bridge: Bridge | undefined;
let host: FakeHost | undefined;
afterEach(async () => {
  await bridge?.stop();
  await fake?.close();
  host?.cleanup();
  bridge = fake = host = undefined;
});

async function world(): Promise<{ fake: FakeDingTalk; host: FakeHost }> {
  const f = await startFakeDingTalk({ redeliverAfterMs: null });
  const h = new FakeHost();
  const adapter = new DingTalkAdapter({
    appKey: f.app.appKey,
    appSecret: f.app.appSecret,
    apiBase: f.apiBase,
    oapiBase: f.oapiBase,
    stateDir: mkdtempSync(join(tmpdir(), "cccc-chunks-")),
    log: (line) => h.logs.push(line),
    api: { retryBaseMs: 20, retryMaxMs: 40 },
    stream: { disconnectJitterMs: 0 },
  });
  const b = new Bridge(
    h,
    adapter,
    { platform: "dingtalk", filesEnabled: false, maxFileMb: 1 },
    { retry: { baseMs: 20, maxMs: 40, attempts: 10 }, cursorFlushMs: 5 },
  );
  fake = f;
  host = h;
  bridge = b;
  await b.start();
  f.push(f.robotMessage({ chat: "group", conversationId: CID, text: "/subscribe" }));
  const key = await waitFor(async () => (await b.admin.pending())[0]?.key, 20_000, "the /subscribe key");
  await b.admin.bind(key);
  await waitFor(() => f.sent.length >= 2 || undefined, 10_000, "the key reply and the bind reply");
  f.state.sent.length = 0;
  return { fake: f, host: h };
}

/** Every `part-N` marker the chat received, in order of arrival. */
function markers(f: FakeDingTalk): number[] {
  return f.sent
    .filter((m) => (m.target.conversationId ?? m.target.openConversationId) === CID)
    .flatMap((m) => {
      const p = m.msgParam as { content?: string; text?: string };
      return [...(p.content ?? p.text ?? "").matchAll(/part-(\d+)\b/g)].map((x) => Number(x[1]));
    });
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
    await waitFor(() => markers(w.fake).length >= 12 || undefined, 40_000, "all 12 parts");
    await bridge?.idle();
    expect(markers(w.fake)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // The queue did retry the delivery (the scenario this test is about happened).
    expect(
      w.host.logs.some((l) => /\[outbound\] event #\d+ to cid-chunks: dingtalk_throttled, retry/.test(l)),
    ).toBe(true);
  });
});
