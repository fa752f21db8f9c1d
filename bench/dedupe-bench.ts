/**
 * The transport kit's dedupe store (src/im/transport/dedupe-store.ts) in its three uses: CPU time
 * per recorded id at steady state (store full, compactions included), against the baseline of
 * rewriting the whole file (temp + rename) for every id: what the HTTP replay guard did per request
 * and the bridge's handled-ids list per handled message (coalesced under a burst) before they moved
 * onto the store; the Stream msgId cache already appended. Goal: at most a tenth of the rewrite.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileDedupe, type FileDedupeOptions } from "../src/im/transport/dedupe-store.js";
import { writeFileAtomicSync } from "../src/kernel/fs-util.js";
import { exitCode, median, table } from "./bench-kit.js";

const dir = mkdtempSync(join(tmpdir(), "cccc-dedupe-bench-"));
const key = (i: number) => `cid-bench-${i % 7}:msg${i.toString(36).padStart(12, "0")}==`;

/** Median CPU µs per call of `record(i)` over `rounds` rounds of `per` calls. */
function cpuPerCall(record: (i: number) => void, per: number, rounds: number, from: number): number {
  const samples: number[] = [];
  let i = from;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let k = 0; k < per; k++) record(i++);
    const c = process.cpuUsage(c0);
    samples.push((c.user + c.system) / per);
  }
  return median(samples);
}

const uses: Array<[string, FileDedupeOptions]> = [
  ["handled ids (bridge core), 512", { limit: 512 }],
  ["msgId cache (Stream inbox), 2,000", { limit: 2000 }],
  ["replay keys (HTTP mode), 10,000, 1 h window", { limit: 10_000, maxAgeMs: 3_600_000 }],
];

const rows = uses.flatMap(([name, opts], n) => {
  const limit = opts.limit ?? 2000;
  const store = new FileDedupe(join(dir, `store-${n}.json`), opts);
  for (let i = 0; i < limit; i++) store.add(key(i)); // full: every later add evicts one
  // Rounds of `limit` ids, so each round includes exactly one compaction.
  const appended = cpuPerCall((i) => store.add(key(i)), limit, 5, limit);
  store.close();
  const ids = Array.from({ length: limit }, (_, i) => key(i));
  const file = join(dir, `rewrite-${n}.json`);
  const rewrite = cpuPerCall(
    (i) => {
      ids[i % limit] = key(i);
      writeFileAtomicSync(file, `${JSON.stringify(ids, null, 2)}\n`, { mode: 0o600 });
    },
    20,
    5,
    limit,
  );
  return [
    { metric: `${name}: rewrite the file per id (baseline)`, measured: `${rewrite.toFixed(1)} µs` },
    {
      metric: `${name}: append one line per id`,
      measured: `${appended.toFixed(1)} µs (${(rewrite / appended).toFixed(0)}× less)`,
      goal: `≤ ${(rewrite / 10).toFixed(1)} µs`,
      pass: appended <= rewrite / 10,
    },
  ];
});

rmSync(dir, { recursive: true, force: true });
table("Dedupe store: median CPU time to record one id, store full", rows);
process.exitCode = exitCode();
