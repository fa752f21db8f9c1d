/**
 * Streaming benchmark: the real Claude Code CLI (pinned, scripts/install-agent-clis.sh) as a
 * structured actor against the fake model, which streams each reply word by word. Measures the
 * delay from a model token leaving the fake model to the `chat.stream` item carrying it on the
 * daemon's event stream (what the Web UI follows), p50/p99, and the ledger bytes per streamed reply.
 * Prints a table with goals; exits 1 on a FAIL. Run: `tsc -p tsconfig.json && node dist/bench/stream-bench.js`.
 */

import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type SseItem, sseItems } from "../src/client/sse.js";
import type { ChatStreamItem } from "../src/daemon/stream-hub.js";
import { startFakeModel } from "../test/fakes/model/index.js";
import { claudeEnv, claudeHome, ensureAgentCli } from "../test/support/agent-clis.js";
import { waitFor } from "../test/support/cli.js";
import { startTestDaemon } from "../test/support/daemon.js";

const REPLIES = Number(process.env.STREAM_BENCH_REPLIES ?? 8);
const WORDS = 60;
const CHUNK_MS = 25;
const API_KEY = "sk-ant-fake-0123456789abcdefghijklmnop";

interface Row {
  metric: string;
  value: string;
  goal: string;
  pass?: boolean;
}
const rows: Row[] = [];
const row = (metric: string, value: string, goal = "—", pass?: boolean) => {
  rows.push({ metric, value, goal, pass });
  console.error(`  ${metric}: ${value}`);
};

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<number> {
  const bin = ensureAgentCli("claude");
  const reply = (i: string) => Array.from({ length: WORDS }, (_, w) => `w${i}_${w}`).join(" ");
  const model = await startFakeModel({
    script: { answer: "text", reply: (m) => reply(m.text.replace(/\D/g, "")), chunkMs: CHUNK_MS },
  });
  const h = claudeHome({ apiKey: API_KEY });
  const t = await startTestDaemon(claudeEnv(bin, h, model.url, API_KEY));
  const abort = new AbortController();
  try {
    const api = async <T>(method: string, path: string, body?: unknown) =>
      (await t.api<T>(method, path, body)).body;
    const gid = (
      await api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
        title: "bench",
        scope: h.project,
      })
    ).group.group_id;
    await api("POST", `/api/v1/groups/${gid}/actors`, { id: "lead", runtime: "claude" });
    await api("POST", `/api/v1/groups/${gid}/start`);
    const ledgerFile = join(t.home.groupDir(gid), "ledger.jsonl");

    const seen: { at: number; item: ChatStreamItem }[] = [];
    const res = await fetch(new URL(`api/v1/groups/${gid}/stream`, t.daemon.url), { signal: abort.signal });
    void (async () => {
      try {
        for await (const it of sseItems(res) as AsyncGenerator<SseItem>)
          if (it.event === "stream") seen.push({ at: Date.now(), item: it.data as ChatStreamItem });
      } catch {
        // aborted at the end
      }
    })();

    const delays: number[] = [];
    const ledgerBytes: number[] = [];
    const textBytes: number[] = [];
    let updates = 0;
    for (let i = 0; i < REPLIES; i++) {
      const tokensBefore = model.tokens.length;
      const sent = await api<{ event: { id: string } }>("POST", `/api/v1/groups/${gid}/send`, {
        text: `bench message ${i}`,
        to: ["lead"],
      });
      const sizeBefore = statSync(ledgerFile).size;
      const end = await waitFor(
        () => seen.find((s) => s.item.data.op === "end" && s.item.data.reply_to === sent.event.id),
        120_000,
        `the end of reply ${i}`,
      );
      await waitFor(() => end.item.data.event_id, 5_000, "the final message");
      await new Promise((ok) => setTimeout(ok, 200));
      const sid = end.item.data.stream_id;
      const mine = seen.filter((s) => s.item.data.stream_id === sid);
      updates += mine.length;
      // Each token's delay: from the fake sending it to the first stream item whose text holds it.
      let acc = "";
      for (const tok of model.tokens.slice(tokensBefore)) {
        acc += tok.text;
        const want = acc.trimEnd();
        const got = mine.find((s) => s.item.data.text.startsWith(want));
        if (got) delays.push(got.at - tok.at);
      }
      ledgerBytes.push(statSync(ledgerFile).size - sizeBefore);
      textBytes.push(Buffer.byteLength(end.item.data.text));
    }
    delays.sort((a, b) => a - b);
    const p50 = pct(delays, 50);
    const p99 = pct(delays, 99);
    const bytes = ledgerBytes.reduce((a, b) => a + b, 0) / ledgerBytes.length;
    const text = textBytes.reduce((a, b) => a + b, 0) / textBytes.length;
    row("streamed replies", `${REPLIES} × ${WORDS} words, a token every ${CHUNK_MS} ms`);
    row(
      "stream items per reply (throttled)",
      (updates / REPLIES).toFixed(1),
      `≤ ${WORDS}`,
      updates / REPLIES <= WORDS,
    );
    row("token → event stream delay p50", `${p50} ms`, "≤ 150 ms", p50 <= 150);
    row("token → event stream delay p99", `${p99} ms`, "≤ 400 ms", p99 <= 400);
    row(
      "ledger bytes per streamed reply (reply text bytes)",
      `${bytes.toFixed(0)} (${text.toFixed(0)})`,
      "≤ text + 1500",
      bytes <= text + 1500,
    );
  } finally {
    abort.abort();
    await t.close();
    await model.close();
    rmSync(h.home, { recursive: true, force: true });
  }
  console.log("\nstream benchmark (real Claude Code, structured runner, fake model)\n");
  console.log(`| metric | value | goal | result |\n| --- | --- | --- | --- |`);
  for (const r of rows)
    console.log(
      `| ${r.metric} | ${r.value} | ${r.goal} | ${r.pass === undefined ? "" : r.pass ? "PASS" : "FAIL"} |`,
    );
  return rows.some((r) => r.pass === false) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
