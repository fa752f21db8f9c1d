import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../bench/soak-plan.js";
import { runSoak } from "../../bench/soak-run.js";

/**
 * A bounded soak (docs/soak.md): about 27 s of traffic with seed 7 (a throttled send, a daemon
 * SIGKILL + restart, a failing send, a dropped Stream socket, a file), then the end-to-end account.
 * Needs the build (`dist/`), like the other daemon tests. Whole test ≤ 60 s.
 */
describe("soak smoke", () => {
  it("loses nothing under faults and a daemon kill (seed 7, ~40 s)", async () => {
    const lines: string[] = [];
    const result = await runSoak(
      { ...DEFAULTS, minutes: 0.45, seed: 7, drainSeconds: 15, verbose: false },
      (line) => lines.push(line),
    );
    const why = `${result.report}\n${lines.join("\n")}`;
    expect(result.kills, why).toBe(1);
    expect(result.lost, why).toBe(0);
    expect(result.maxChatDuplicates, why).toBeLessThanOrEqual(result.kills);
  }, 60_000);
});
