import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 2,
    // Every JSON answer of the daemon is checked against the wire contract (src/contract/), in
    // in-process daemons and in the ones the CLI starts (they inherit the environment).
    env: { CCCC_CHECK_RESPONSES: "1" },
    // The JSON report lets scripts/test.sh print one "N passed, N failed" line at the end.
    reporters: ["default", "json"],
    outputFile: { json: "dist/vitest-results.json" },
  },
});
