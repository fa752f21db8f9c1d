import { describe, expect, it, vi } from "vitest";
import { rateLimitsFromEnv } from "../../../src/im/dingtalk/rate-limit.js";
import { RateLimiter, type Slot } from "../../../src/im/transport/rate-window.js";
import { advance, fakeClockPerTest, type Tracked, track } from "../../support/fake-clock.js";

const limits = { apiCalls: 1000, apiWindowMs: 1000, chatMessages: 3, chatWindowMs: 200 };

describe("RateLimiter (sliding windows like DingTalk's)", () => {
  fakeClockPerTest();
  const granted = (slots: Array<Tracked<Slot>>) => slots.filter((s) => s.done).length;

  it("grants a chat's whole window at once, then the next slot a window after the first answer", async () => {
    const l = new RateLimiter(limits);
    const first = [0, 1, 2].map(() => track(l.acquire("send", "c1")));
    await advance(0);
    expect(granted(first)).toBe(3);
    for (const s of first) s.value.settle();
    const fourth = track(l.acquire("send", "c1"));
    await advance(199);
    expect(fourth.done).toBe(false);
    await advance(1);
    expect(fourth.done).toBe(true);
    fourth.value.settle();
    // Another chat is not held up by c1's window.
    const other = track(l.acquire("send", "c2"));
    await advance(0);
    expect(other.done).toBe(true);
  });

  it("a slot in flight holds its place until answered, and is dated at the answer", async () => {
    const l = new RateLimiter({ ...limits, chatMessages: 1 });
    const slot = track(l.acquire("send", "c1"));
    await advance(0);
    const next = track(l.acquire("send", "c1"));
    await advance(300); // longer than the window: still in flight
    expect(next.done).toBe(false);
    slot.value.settle();
    await advance(199);
    expect(next.done).toBe(false);
    await advance(1);
    expect(next.done).toBe(true);
  });

  it("serves thousands of waiters in order from one timer", async () => {
    const l = new RateLimiter({ apiCalls: 500, apiWindowMs: 100, chatMessages: 20, chatWindowMs: 60_000 });
    const order: number[] = [];
    const t0 = Date.now();
    const all = Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        l.acquire("emotion", undefined).then((s) => {
          order.push(i);
          s.settle();
        }),
      ),
    );
    await advance(299); // 4 windows of 500: the last opens at 300 ms
    expect(order).toHaveLength(1500);
    expect(vi.getTimerCount()).toBe(1);
    await advance(1);
    await all;
    expect(order).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(Date.now() - t0).toBe(300);
  });

  it("a throttle answer holds the chat and the API; an abort rejects and frees the waiter", async () => {
    const l = new RateLimiter(limits);
    l.hold("send", "c1", 250);
    const sameApi = track(l.acquire("send", "c9")); // same API: held too
    await advance(249);
    expect(sameApi.done).toBe(false);
    await advance(1);
    expect(sameApi.done).toBe(true);
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
    // The low update queued first; the final answer queued after it still goes first.
    const both = Promise.all([
      take("card.streaming", "update", true),
      take("robot.oToMessages.batchSend", "answer"),
    ]);
    await advance(199); // waits for the shared window
    expect(order).toEqual([]);
    await advance(1);
    await both;
    expect(order).toEqual(["answer", "update"]);
    // Outside the budget nothing changes: another API without a budget is not held.
    const free = track(l.acquire("robot.emotion.reply", undefined));
    await advance(0);
    expect(free.done).toBe(true);
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
