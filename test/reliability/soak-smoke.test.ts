import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../bench/soak-plan.js";
import { runSoak } from "../../bench/soak-run.js";

/**
 * A bounded soak (docs/soak.md): 21 s of traffic with seed 3 (a throttled send, a daemon SIGKILL +
 * restart under load, failing sends, a file, a long message), then the end-to-end account.
 * Needs the build (`dist/`), like the other daemon tests. Whole test ≤ 60 s.
 */
describe("soak smoke", () => {
  it("loses nothing under faults and a daemon kill (seed 3, ~45 s)", async () => {
    const lines: string[] = [];
    const result = await runSoak(
      { ...DEFAULTS, minutes: 0.35, seed: 3, drainSeconds: 25, verbose: false },
      (line) => lines.push(line),
    );
    const why = `${result.report}\n${lines.join("\n")}`;
    expect(result.kills, why).toBe(1);
    expect(result.lost, why).toBe(0);
    expect(result.maxChatDuplicates, why).toBeLessThanOrEqual(result.kills);
  }, 60_000);
});
