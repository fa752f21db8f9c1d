/**
 * Soak test: the real daemon, three agents and four DingTalk chats against the fake DingTalk under
 * random faults (Stream disconnects, dropped and zombie sockets, refused gateway opens, throttled and
 * failing sends, revoked tokens, expired sessionWebhooks, daemon SIGKILL + restart), then an
 * end-to-end account of every message. `npm run soak -- --minutes 1 --seed 7`; see docs/soak.md.
 * Exits 1 when a message or reply was lost, or a chat got more duplicates than there were kills.
 */
import { parseArgs } from "./soak-plan.js";
import { runSoak } from "./soak-run.js";

async function main(): Promise<void> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const started = Date.now();
  const log = (line: string) => {
    if (opts.verbose) process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  };
  const result = await runSoak(opts, log);
  process.stdout.write(result.report);
  process.exit(result.ok ? 0 : 1);
}

main().catch((err: Error) => {
  process.stderr.write(`soak failed to run: ${err.stack ?? err.message}\n`);
  process.exit(2);
});
