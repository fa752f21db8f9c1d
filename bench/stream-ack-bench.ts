/**
 * The Stream side of ingest alone (docs/bench.md, "Ingest: the Stream side"): the fake DingTalk
 * (bench/ingest-fake.ts) pushes 5000 robot messages in one burst to our `StreamClient` with the
 * real journal and dedupe store and a handler that does nothing (bench/stream-ack-client.ts), each
 * in its own process. Reports acked/s and the client's CPU per message (all threads / main thread
 * / other threads, from /proc) per burst and the medians. No goal: it is the ack-only counterpart
 * of the SDK baseline in bench/ingest-bench.ts, for profiling and A/B.
 *   BENCH_RUNS (default 5) bursts; BENCH_A_SRC=<other build>/dist/src alternates that build's
 *   client (A) with this one (B), a fresh client process per burst. BENCH_CLIENT_ARGS: node flags
 *   for the client (e.g. --cpu-prof --cpu-prof-dir=/tmp/p).
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import { DAEMON_NODE_FLAGS } from "../src/client/daemon-launch.js";
import { load, median } from "./bench-kit.js";
import { startFakeProcess, threadCpu } from "./ingest-world.js";

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5) || 5);
const A = process.env.BENCH_A_SRC;
const CHATS = Array.from({ length: 250 }, (_, i) => `cid-ack-${i}`);
const PER_CHAT = 20;
const N = CHATS.length * PER_CHAT;

interface Result {
  side: string;
  ackedPerS: number;
  allUs: number;
  mainUs: number;
  otherUs: number;
}

const fake = await startFakeProcess();
const results: Result[] = [];
const sides = A ? ["A", "B"] : ["B"];
console.log(`load average at start ${load()}`);
for (let r = 0; r < RUNS; r++) {
  for (const side of sides) {
    const env = {
      ...process.env,
      FAKE_API_BASE: fake.apiBase,
      FAKE_APP_KEY: fake.appKey,
      FAKE_APP_SECRET: fake.appSecret,
      STREAM_SRC: side === "A" ? A : "",
    };
    const child = fork(join(import.meta.dirname, "stream-ack-client.js"), [], {
      execArgv: [...DAEMON_NODE_FLAGS, ...(process.env.BENCH_CLIENT_ARGS ?? "").split(" ").filter(Boolean)],
      env,
      stdio: "inherit",
    });
    await new Promise<void>((ok, fail) => {
      child.once("error", fail);
      child.once("message", () => ok());
    });
    const pid = child.pid as number;
    // One warm-up burst per process (JIT), then the measured one.
    await fake.run({ run: `w${r}${side}`, chats: CHATS, perChat: PER_CHAT, paced: false });
    await new Promise((ok) => setTimeout(ok, 300));
    const before = threadCpu(pid);
    const ms = await fake.run({ run: `r${r}${side}`, chats: CHATS, perChat: PER_CHAT, paced: false });
    const after = threadCpu(pid);
    const us = (s: number) => Math.round((s * 1e6) / N);
    const res: Result = {
      side,
      ackedPerS: Math.round(N / (ms / 1000)),
      mainUs: us(after.mainS - before.mainS),
      otherUs: us(after.otherS - before.otherS),
      allUs: 0,
    };
    res.allUs = res.mainUs + res.otherUs;
    results.push(res);
    console.log(
      `  ${side} burst ${r + 1}: ${N} acked in ${Math.round(ms)} ms (${res.ackedPerS}/s), client CPU ${res.allUs} µs/msg (main thread ${res.mainUs}, other threads ${res.otherUs}), load ${load().split(",")[0]}`,
    );
    await new Promise<void>((ok) => {
      child.once("exit", () => ok());
      child.send({ type: "close" });
    });
  }
}
for (const side of sides) {
  const mine = results.filter((r) => r.side === side);
  const m = (f: (r: Result) => number) => median(mine.map(f));
  console.log(
    `${side === "A" ? `A (${A})` : "B (this build)"}: median acked ${m((r) => r.ackedPerS)}/s, client CPU ${m((r) => r.allUs)} / ${m((r) => r.mainUs)} / ${m((r) => r.otherUs)} µs/msg (all / main / other), ${mine.length} bursts`,
  );
}
console.log(`load average at end ${load()}`);
await fake.close();
