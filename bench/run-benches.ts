/**
 * `npm run bench`: runs every compiled `dist/bench/*-bench.js` in turn (each in its own process,
 * output passed through), then prints one line per benchmark and exits 1 if any failed.
 * `npm run bench -- outbound cli` runs only the benchmarks whose names contain one of the words.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { load } from "./bench-kit.js";

const filters = process.argv.slice(2);
const benches = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith("-bench.js"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
if (benches.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(", ")}\n`);
  process.exit(1);
}

const results: Array<{ name: string; code: number; seconds: number }> = [];
for (const file of benches) {
  const name = file.replace(/\.js$/, "");
  process.stdout.write(`\n=== ${name} (load average ${load()}) ===\n`);
  const t0 = Date.now();
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, file)], { stdio: "inherit" });
    child.on("exit", (c, signal) => done(c ?? (signal ? 1 : 0)));
  });
  results.push({ name, code, seconds: (Date.now() - t0) / 1000 });
}

process.stdout.write("\n=== summary ===\n");
for (const r of results) {
  process.stdout.write(`${r.code === 0 ? "PASS" : "FAIL"}  ${r.name}  (${r.seconds.toFixed(1)} s)\n`);
}
process.exitCode = results.some((r) => r.code !== 0) ? 1 : 0;
