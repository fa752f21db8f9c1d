/**
 * The dedupe store survives a SIGKILL at any moment: a child process (the built store) records ids
 * in a tight loop (compacting every `LIMIT` ids) and claims others it never records, and is killed
 * mid-loop. Reopened, it holds every id the child recorded (within the last `LIMIT`), no
 * claimed-only id, and at most `LIMIT` ids (bounded). Needs `npm run build` (dist/).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileDedupe } from "../../../src/im/transport/dedupe-store.js";
import { waitFor } from "../../support/cli.js";
import { tempHome } from "../../support/home.js";

const STORE = resolve(import.meta.dirname, "../../../dist/src/im/transport/dedupe-store.js");
const LIMIT = 500;
// Records ids r0, r1, … and claims c0, c1, … (never recorded); prints how many were recorded after
// each batch, once the tick after it has begun: the store writes a tick's ids in one append queued
// (setImmediate) before the print's, so everything up to the last printed count had been written.
const CHILD = `
const { FileDedupe } = await import(${JSON.stringify(STORE)});
const store = new FileDedupe(process.argv[1], { limit: ${LIMIT} });
let n = 0;
const batch = () => {
  for (let i = 0; i < 37; i++, n++) { store.claim("c" + n); store.add("r" + n); }
  setImmediate(() => {
    process.stdout.write(n + "\\n");
    batch();
  });
};
batch();
`;

describe("FileDedupe killed with SIGKILL mid-write", () => {
  const tmp = tempHome("cccc-dedupe-kill-");
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    tmp.cleanup();
  });

  it("loses no recorded id, keeps no claim, stays bounded", async () => {
    for (const round of [1, 2, 3]) {
      const file = join(tmp.dir, `dedupe-${round}.json`);
      const proc = spawn(process.execPath, ["--input-type=module", "-e", CHILD, file], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      child = proc;
      let reported = 0;
      proc.stdout?.on("data", (chunk: Buffer) => {
        const counts = chunk.toString().split("\n").filter(Boolean).map(Number);
        reported = Math.max(reported, ...counts);
      });
      // Past a few compactions, and at a different point each round.
      await waitFor(() => reported >= LIMIT * (2 * round + 1) || undefined, 30_000, "the child's writes");
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await exited;
      const store = new FileDedupe(file, { limit: LIMIT });
      // The child may have recorded a few more after its last report: find the newest one kept.
      let last = reported - 1;
      while (store.has(`r${last + 1}`)) last++;
      expect(store.has(`r${reported - 1}`), `round ${round}: the last reported id`).toBe(true);
      // The last LIMIT recorded ids, less one slot a torn last line (the kill mid-append) may take.
      const lost = [];
      for (let i = Math.max(0, last - LIMIT + 2); i <= last; i++) if (!store.has(`r${i}`)) lost.push(i);
      expect(lost, `round ${round}: recorded ids lost (newest r${last})`).toEqual([]);
      expect(store.has(`c${reported - 1}`)).toBe(false);
      expect(store.size).toBeLessThanOrEqual(LIMIT);
      store.close();
      expect(readdirSync(tmp.dir).filter((f) => f.includes(".tmp"))).toEqual([]);
    }
  }, 120_000);
});
