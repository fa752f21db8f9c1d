/**
 * Ledger benchmark: durable append throughput (single awaited and group-committed) and the cost of
 * opening and reading a 1,000,000-event ledger. `npm run bench` runs it with the other `*-bench.ts`
 * scripts (or alone: `npm run bench -- ledger`); see docs/bench.md.
 */
import { mkdtemp, open, rm, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ledger } from "../src/kernel/ledger.js";

const BIG_EVENTS = 1_000_000;
const WINDOWS = 3;
const BATCH = 100;
const TMPFS_MAGIC = 0x01021994;

interface Row {
  metric: string;
  value: string;
  goal: string;
  pass?: boolean;
}
const rows: Row[] = [];

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function row(metric: string, value: string, goal = "—", pass?: boolean): void {
  rows.push({ metric, value, goal, pass });
  console.error(`  ${metric}: ${value}`);
}

const data = (i: number) => ({ text: `benchmark message number ${i}`, to: ["@foreman"], attachments: [] });

/** Durable appends per second in WINDOWS one-second windows (sorted), `batch` concurrent appends per tick. */
async function appendRates(dir: string, batch: number): Promise<number[]> {
  const ledger = await Ledger.open(join(dir, `append-${batch}.jsonl`), "g_bench");
  const rates: number[] = [];
  let n = 0;
  try {
    for (let w = 0; w < WINDOWS; w++) {
      let k = 0;
      const start = process.hrtime.bigint();
      const deadline = start + 1_000_000_000n;
      while (process.hrtime.bigint() < deadline) {
        if (batch === 1) await ledger.append("chat.message", "user", data(n + k));
        else {
          await Promise.all(
            Array.from({ length: batch }, (_, i) => ledger.append("chat.message", "user", data(n + k + i))),
          );
        }
        k += batch;
      }
      rates.push(k / (ms(start) / 1000));
      n += k;
    }
    if (ledger.lastSeq() !== n) throw new Error(`expected lastSeq ${n}, got ${ledger.lastSeq()}`);
    return rates.sort((x, y) => x - y);
  } finally {
    await ledger.close();
  }
}

function rateCell(rates: number[]): string {
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  return `${median.toFixed(0)} (${(rates[0] ?? 0).toFixed(0)}–${(rates[rates.length - 1] ?? 0).toFixed(0)})`;
}

/** Writes a seq-ordered ledger directly (no fsync per line): the fixture for the read benchmarks. */
async function generate(file: string, events: number): Promise<number> {
  const fh = await open(file, "w");
  let bytes = 0;
  try {
    const chunk = 10_000;
    for (let base = 0; base < events; base += chunk) {
      let text = "";
      for (let seq = base + 1; seq <= Math.min(base + chunk, events); seq++) {
        const id = seq.toString(16).padStart(32, "0");
        text += `{"v":1,"id":"${id}","seq":${seq},"ts":"2025-01-01T00:00:00.000Z","kind":"chat.message","group_id":"g_bench","by":"user","data":${JSON.stringify(data(seq))}}\n`;
      }
      const buf = Buffer.from(text);
      bytes += buf.length;
      await fh.write(buf);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return bytes;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(process.env.CCCC_BENCH_DIR ?? tmpdir(), "cccc-bench-ledger-"));
  const fs = await statfs(dir);
  console.error(`ledger benchmark in ${dir} (filesystem type 0x${fs.type.toString(16)})`);
  if (fs.type === TMPFS_MAGIC) {
    console.error("  note: tmpfs makes fdatasync free; set CCCC_BENCH_DIR to a directory on a real disk");
  }
  try {
    const single = await appendRates(dir, 1);
    row("durable appends/s, single awaited: median (min–max)", rateCell(single));
    const batched = await appendRates(dir, BATCH);
    const median = batched[Math.floor(batched.length / 2)] ?? 0;
    row(
      `durable appends/s, ${BATCH} per tick (group commit)`,
      rateCell(batched),
      "≥ 20000",
      median >= 20_000,
    );

    const file = join(dir, "big.jsonl");
    let t = process.hrtime.bigint();
    const bytes = await generate(file, BIG_EVENTS);
    row(
      `generate ${BIG_EVENTS} events (${(bytes / 1e6).toFixed(0)} MB, direct write)`,
      `${ms(t).toFixed(0)} ms`,
    );

    t = process.hrtime.bigint();
    const ledger = await Ledger.open(file, "g_bench");
    const openMs = ms(t);
    try {
      if (ledger.lastSeq() !== BIG_EVENTS) throw new Error(`open found lastSeq ${ledger.lastSeq()}`);
      row("open 1M-event ledger", `${openMs.toFixed(1)} ms`, "< 50 ms", openMs < 50);

      t = process.hrtime.bigint();
      const tail = await ledger.tail(50);
      const tailMs = ms(t);
      if (tail.length !== 50 || tail[49]?.seq !== BIG_EVENTS)
        throw new Error("tail returned the wrong events");
      row("tail(50)", `${tailMs.toFixed(1)} ms`, "< 50 ms", tailMs < 50);

      for (const after of [BIG_EVENTS - 1_000, BIG_EVENTS / 2]) {
        t = process.hrtime.bigint();
        const page = await ledger.read(after, 100);
        const readMs = ms(t);
        if (page.length !== 100 || page[0]?.seq !== after + 1) throw new Error(`read(${after}) was wrong`);
        row(`read(${after}, 100), cold index`, `${readMs.toFixed(1)} ms`, "< 50 ms", readMs < 50);
      }

      t = process.hrtime.bigint();
      const e = await ledger.append("chat.message", "user", data(0));
      const appendMs = ms(t);
      if (e.seq !== BIG_EVENTS + 1) throw new Error(`append after 1M got seq ${e.seq}`);
      row("durable append after 1M events", `${appendMs.toFixed(1)} ms`);

      t = process.hrtime.bigint();
      let n = 0;
      await ledger.scan(() => {
        n++;
      });
      row(`scan ${n} events (index build at start)`, `${ms(t).toFixed(0)} ms`);
    } finally {
      await ledger.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const w = [6, 5, 4].map((_, i) =>
    Math.max(
      ...rows.map((r) => [r.metric, r.value, r.goal][i]?.length ?? 0),
      ["metric", "measured", "goal"][i]?.length ?? 0,
    ),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(" | ");
  console.log(`\n${line(["metric", "measured", "goal"])} | result`);
  console.log(`${w.map((n) => "-".repeat(n)).join("-|-")}-|-------`);
  for (const r of rows) {
    console.log(
      `${line([r.metric, r.value, r.goal])} | ${r.pass === undefined ? "" : r.pass ? "PASS" : "FAIL"}`,
    );
  }
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

await main();
