import { describe, expect, it } from "vitest";
import { IsoClock } from "../../src/kernel/iso-clock.js";

describe("IsoClock", () => {
  it("gives the clock's time as ISO text, a new string only when the millisecond changes", () => {
    let now = Date.UTC(2026, 11, 2, 9, 0, 0, 1);
    const clock = new IsoClock(() => now);
    const first = clock.iso();
    expect(first).toBe("2026-12-02T09:00:00.001Z");
    expect(clock.iso()).toBe(first);
    now += 1;
    expect(clock.iso()).toBe("2026-12-02T09:00:00.002Z");
  });
});
