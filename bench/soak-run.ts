/**
 * One soak run: set up the world, drive the plan, wait for the system to drain, account for every
 * message and build the report. `runSoak` is what `bench/soak.ts` and the smoke test call.
 */
import { rmSync } from "node:fs";
import { sleep } from "./bench-kit.js";
import { type Accounting, account, drained } from "./soak-check.js";
import { Driver } from "./soak-drive.js";
import { makePlan, type SoakOptions } from "./soak-plan.js";
import { evidence, table } from "./soak-report.js";
import { SoakWorld } from "./soak-world.js";

export interface SoakResult {
  ok: boolean;
  /** Messages or replies that never arrived (see `accounting.losses`). */
  lost: number;
  kills: number;
  /** Largest number of extra reply copies one chat received. */
  maxChatDuplicates: number;
  accounting: Accounting;
  /** The printed table and, on failure, the evidence. */
  report: string;
  home: string;
}

export async function runSoak(o: SoakOptions, log: (line: string) => void = () => {}): Promise<SoakResult> {
  const plan = makePlan(o);
  log(
    `soak: seed ${o.seed}, ${o.minutes} min, ${plan.messages.length} messages, ${plan.faults.length} faults planned`,
  );
  const world = await SoakWorld.create(o.redeliverMs, log);
  const driver = new Driver(world, plan, log);
  let accounting: Accounting | undefined;
  let drainMs = 0;
  try {
    await world.setUp();
    await driver.run();
    log(`soak: traffic done (${driver.sent.length} messages); draining for up to ${o.drainSeconds} s`);
    const drainStart = Date.now();
    for (;;) {
      accounting = account(world, driver.sent);
      if (drained(accounting) || Date.now() - drainStart > o.drainSeconds * 1000) break;
      await sleep(1_000);
    }
    drainMs = Date.now() - drainStart;
    await sleep(3_000); // late duplicates still count
    accounting = account(world, driver.sent);
  } finally {
    driver.stop();
    await world.close().catch((e: Error) => log(`soak: close: ${e.message}`));
  }
  const kills = driver.kills.length;
  const maxChatDuplicates = Math.max(0, ...accounting.chatDuplicates.values());
  const lost = accounting.losses.length;
  const ok = lost === 0 && maxChatDuplicates <= kills;
  let report = table({ o, world, driver, a: accounting, drainMs, ok });
  if (!ok || maxChatDuplicates > 0) report += `\n${evidence(world, driver, accounting)}`;
  if (ok && !o.keep) rmSync(world.root, { recursive: true, force: true });
  else report += `\nkept for inspection: ${world.root} (ledger, im_bridge.log, daemon-N.out, soak-agents/)\n`;
  return { ok, lost, kills, maxChatDuplicates, accounting, report, home: world.root };
}
