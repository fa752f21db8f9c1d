/**
 * The Stream client alone, in its own process (forked by bench/stream-ack-bench.ts with the
 * daemon's node flags): our `StreamClient` with the real inbound journal and dedupe store in a
 * temporary directory, and a handler that does nothing. It measures what the receive → journal →
 * ack path costs, without the bridge. `STREAM_SRC` points at another build's `dist/src` (A/B).
 * IPC: sent {type:"ready"} once connected; answers {type:"close"} by stopping and exiting.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const SRC = process.env.STREAM_SRC || resolve(import.meta.dirname, "../src");
const load = (path: string) => import(pathToFileURL(join(SRC, path)).href);
const { DingTalkApi } = await load("im/dingtalk/api.js");
const { StreamClient } = await load("im/dingtalk/stream.js");
const { InboundJournal } = await load("im/transport/inbound-journal.js");
const { FileDedupe } = await load("im/transport/dedupe-store.js");

const dir = mkdtempSync(join(tmpdir(), "cccc-stream-ack-"));
const log = (line: string) => {
  if (process.env.BENCH_VERBOSE) process.stderr.write(`client: ${line}\n`);
};
const api = new DingTalkApi({
  appKey: process.env.FAKE_APP_KEY,
  appSecret: process.env.FAKE_APP_SECRET,
  apiBase: process.env.FAKE_API_BASE,
  oapiBase: process.env.FAKE_API_BASE,
  log,
});
const journal = new InboundJournal(join(dir, "inbound.jsonl"), log);
const dedupe = new FileDedupe(join(dir, "dedupe.json"), { log });
let handled = 0;
const client = new StreamClient({
  open: (signal: AbortSignal) => api.openStreamConnection(signal),
  dedupe,
  journal,
  log,
  onCallback: async () => {
    handled++;
  },
});
await client.start();
process.send?.({ type: "ready" });
process.on("message", async (m: { type: string }) => {
  if (m.type === "handled") process.send?.({ type: "handled", handled });
  if (m.type !== "close") return;
  await client.stop();
  await journal.close();
  dedupe.close();
  api.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
