/**
 * The per-chat flood limit counts what a chat sent by arrival time (issue 12): a backlog handled
 * late, all at once, is not mistaken for a flood; a real burst from one chat still is.
 */
import { describe, expect, it } from "vitest";
import { InboundLimiter } from "../../src/im/inbound-limit.js";

describe("InboundLimiter by arrival time", () => {
  it("lets through 40 messages sent 500 ms apart even when all are handled 20 s later at once", () => {
    const handledAt = 1_000_000;
    const l = new InboundLimiter(
      { messages: 20, perMs: 10_000 },
      () => handledAt,
      () => {},
    );
    const arrivals = Array.from({ length: 40 }, (_, i) => handledAt - 20_000 + i * 500);
    expect(arrivals.map((at) => l.take("chat", at)).filter((ok) => !ok)).toHaveLength(0);
  });

  it("still refuses a burst beyond the bucket, and a late arrival time never refills backwards", () => {
    const l = new InboundLimiter(
      { messages: 20, perMs: 10_000 },
      () => 50_000,
      () => {},
    );
    const taken = Array.from({ length: 25 }, () => l.take("chat", 40_000));
    expect(taken.filter((ok) => !ok)).toHaveLength(5);
    expect(l.take("chat", 30_000)).toBe(false); // older than the bucket's time: no refill
    expect(l.take("other", 40_000)).toBe(true); // another chat is not affected
  });
});
