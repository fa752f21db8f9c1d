/**
 * One owner of the retry policy per outbound call (transport/retry.ts): the per-chat send queue
 * retries a chat message; the DingTalk client under it makes one attempt per route. Counted as HTTP
 * requests at the fake DingTalk server, for sends that DingTalk keeps refusing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DingTalkAdapter } from "../../../src/im/dingtalk/adapter.js";
import { ChatSendQueue, type SendJob } from "../../../src/im/send-queue.js";
import type { ChatTarget, InboundMessage } from "../../../src/im/types.js";
import { type FakeDingTalk, startFakeDingTalk } from "../../fakes/dingtalk/index.js";

const WEBHOOK = "/robot/sendBySession";
const GROUP = "/v1.0/robot/groupMessages/send";
const POLICY = { attempts: 3, baseMs: 5, maxMs: 20 };

let fake: FakeDingTalk;
let adapter: DingTalkAdapter;
let dir: string;
const abort = new AbortController();

afterEach(async () => {
  await adapter?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function groupTarget(): Promise<ChatTarget> {
  fake = await startFakeDingTalk({ redeliverAfterMs: null });
  dir = mkdtempSync(join(tmpdir(), "cccc-retry-owner-"));
  adapter = new DingTalkAdapter({
    ...fake.client,
    stateDir: dir,
    log: () => {},
    // The client's own policy (for calls nobody queues) would allow 4 attempts a call.
    api: { retryBaseMs: 5, retryMaxMs: 20, maxAttempts: 4 },
    stream: { disconnectJitterMs: 0, backoffBaseMs: 20 },
  });
  const inbox: InboundMessage[] = [];
  await adapter.start(async (m) => {
    inbox.push(m);
  });
  const payload = fake.robotMessage({ chat: "group" });
  fake.push(payload);
  const m = await fake.waitFor(() => inbox.find((x) => x.messageId === payload.msgId), 5_000, "inbound");
  return { chatId: m.chatId, chatType: m.chatType, reply: m.reply };
}

function sendOnce(target: ChatTarget): Promise<Parameters<SendJob["done"]>[0]> {
  const queue = new ChatSendQueue(target.chatId, POLICY, abort.signal, () => {});
  return new Promise((resolve) => {
    queue.push({
      label: "test",
      steps: [() => adapter.send(target, { type: "text", text: "never arrives" })],
      done: (outcome) => resolve(outcome),
    });
  });
}

const count = (path: string) => fake.requests.filter((r) => r.path === path).length;

describe("one retry owner per outbound send", () => {
  it("a send DingTalk always answers with 5xx costs `attempts` calls per route, not attempts²", async () => {
    const target = await groupTarget();
    fake.fail("webhook", "serverError", 1000);
    fake.fail("groupSend", "serverError", 1000);
    const outcome = await sendOnce(target);
    expect(outcome).toMatchObject({ status: "failed" });
    expect(String(outcome.reason)).toMatch(/dingtalk_server_error/);
    // Each queue attempt tries the sessionWebhook once, then the OpenAPI fallback once.
    expect(count(WEBHOOK)).toBe(POLICY.attempts);
    expect(count(GROUP)).toBe(POLICY.attempts);
    expect(count(WEBHOOK) + count(GROUP)).toBeLessThanOrEqual(6);
    expect(fake.sent).toHaveLength(0);
  });

  it("a send DingTalk always throttles is bounded the same way", async () => {
    const target = await groupTarget();
    fake.fail("webhook", { status: 200, body: { errcode: 410100, errmsg: "send too fast" } }, 1000);
    fake.fail("groupSend", "qps", 1000);
    const outcome = await sendOnce(target);
    expect(outcome).toMatchObject({ status: "failed" });
    expect(String(outcome.reason)).toMatch(/dingtalk_throttled/);
    expect(count(WEBHOOK) + count(GROUP)).toBe(2 * POLICY.attempts);
  });

  it("a send that fails twice and then succeeds is delivered once", async () => {
    const target = await groupTarget();
    fake.fail("webhook", "serverError", 2);
    fake.fail("groupSend", "serverError", 2);
    const outcome = await sendOnce(target);
    expect(outcome).toMatchObject({ status: "delivered" });
    expect(fake.sent).toHaveLength(1);
    expect(count(WEBHOOK) + count(GROUP)).toBe(5); // 2 × (webhook + fallback), then the webhook
  });
});
