import { describe, expect, it } from "vitest";
import { rateLimitsFromEnv } from "../../../src/im/dingtalk/rate-limit.js";
import { RateLimiter } from "../../../src/im/transport/rate-window.js";

const limits = { apiCalls: 1000, apiWindowMs: 1000, chatMessages: 3, chatWindowMs: 200 };

describe("RateLimiter (sliding windows like DingTalk's)", () => {
  it("grants a chat's whole window at once, then the next slot a window after the first answer", async () => {
    const l = new RateLimiter(limits);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) (await l.acquire("send", "c1")).settle();
    expect(Date.now() - t0).toBeLessThan(150);
    const settledAt = Date.now();
    (await l.acquire("send", "c1")).settle();
    expect(Date.now() - settledAt).toBeGreaterThanOrEqual(200 - (settledAt - t0) - 5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(195);
    // Another chat is not held up by c1's window.
    const t1 = Date.now();
    (await l.acquire("send", "c2")).settle();
    expect(Date.now() - t1).toBeLessThan(150);
  });

  it("a slot in flight holds its place until answered, and is dated at the answer", async () => {
    const l = new RateLimiter({ ...limits, chatMessages: 1 });
    const slot = await l.acquire("send", "c1");
    let granted = 0;
    const next = l.acquire("send", "c1").then((s) => {
      granted = Date.now();
      s.settle();
    });
    await new Promise((r) => setTimeout(r, 300)); // longer than the window: still in flight
    expect(granted).toBe(0);
    const answered = Date.now();
    slot.settle();
    await next;
    expect(granted - answered).toBeGreaterThanOrEqual(195);
  });

  it("serves thousands of waiters in order from one timer", async () => {
    const l = new RateLimiter({ apiCalls: 500, apiWindowMs: 100, chatMessages: 20, chatWindowMs: 60_000 });
    const order: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        l.acquire("emotion", undefined).then((s) => {
          order.push(i);
          s.settle();
        }),
      ),
    );
    expect(order).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290); // 4 windows of 500
  });

  it("a throttle answer holds the chat and the API; an abort rejects and frees the waiter", async () => {
    const l = new RateLimiter(limits);
    const t0 = Date.now();
    l.hold("send", "c1", 250);
    (await l.acquire("send", "c9")).settle(); // same API: held too
    expect(Date.now() - t0).toBeGreaterThanOrEqual(245);
    const stop = new AbortController();
    const l2 = new RateLimiter({ ...limits, chatMessages: 1 });
    await l2.acquire("send", "c1");
    const waiting = l2.acquire("send", "c1", stop.signal);
    stop.abort(new Error("bridge stopped"));
    await expect(waiting).rejects.toThrow("bridge stopped");
  });

  it("messages and cards share one budget across APIs, and answers go before low (card update) waiters", async () => {
    const l = new RateLimiter({ apiCalls: 2, apiWindowMs: 200, chatMessages: 100, chatWindowMs: 1000 });
    const im = { budget: "im" };
    // Two different APIs, one budget of 2 per window: the budget is spent.
    (await l.acquire("card.streaming", undefined, undefined, im)).settle();
    (await l.acquire("robot.groupMessages.send", "c1", undefined, im)).settle();
    const order: string[] = [];
    const take = (api: string, tag: string, low?: boolean) =>
      l.acquire(api, undefined, undefined, { budget: "im", low }).then((s) => {
        order.push(tag);
        s.settle();
      });
    const t0 = Date.now();
    // The low update queued first; the final answer queued after it still goes first.
    await Promise.all([
      take("card.streaming", "update", true),
      take("robot.oToMessages.batchSend", "answer"),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150); // waited for the shared window
    expect(order).toEqual(["answer", "update"]);
    // Outside the budget nothing changes: another API without a budget is not held.
    const t1 = Date.now();
    (await l.acquire("robot.emotion.reply", undefined)).settle();
    expect(Date.now() - t1).toBeLessThan(100);
  });

  it("reads CCCC_DINGTALK_RATE_LIMITS and says what is wrong with a bad value", () => {
    expect(rateLimitsFromEnv('{"chatMessages":20,"chatWindowMs":15000}')).toEqual({
      chatMessages: 20,
      chatWindowMs: 15000,
    });
    const logs: string[] = [];
    expect(rateLimitsFromEnv('{"chatMessages":-1}', (l) => logs.push(l))).toBeUndefined();
    expect(rateLimitsFromEnv("nope", (l) => logs.push(l))).toBeUndefined();
    expect(logs[0]).toMatch(/CCCC_DINGTALK_RATE_LIMITS ignored: chatMessages/);
    expect(logs[1]).toMatch(/not JSON/);
  });
});
