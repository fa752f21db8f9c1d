/**
 * Issue 15 item 3: the live event stream respects backpressure. A ~40 MB ledger, ten clients that
 * connect with `?after=0` and never read: the daemon (a real subprocess) must not buffer the replay
 * (its VmRSS stays within +100 MB, where the old code grew by the replay size per client), the
 * connection caps answer 429 (per remote) and 503 (total) with JSON errors, and closing the clients
 * releases their slots.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Home } from "../../src/kernel/home.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { CLI, waitFor } from "../support/cli.js";
import { tempHome } from "../support/home.js";

const EVENTS = 4_000;
const TEXT_BYTES = 10_000; // ≈ 40 MB of ledger
const CLIENTS = 10;
const MB = 1024 * 1024;

const home = tempHome("cccc-backpressure-");
let child: ChildProcess | undefined;
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
  child?.kill("SIGKILL");
  home.cleanup();
});

async function bigLedger(): Promise<string> {
  const kernel = await Kernel.open(new Home(home.dir));
  const group = await kernel.createGroup({ title: "big ledger" });
  const filler = "数据".repeat(TEXT_BYTES / 6) + "x".repeat(TEXT_BYTES % 6);
  for (let i = 0; i < EVENTS; i += 500) {
    const batch = Array.from({ length: 500 }, (_, j) => ({
      kind: "chat.message",
      by: "user",
      data: { text: `#${i + j} ${filler}`, to: ["user"], attachments: [] },
    }));
    await group.ledger.appendMany(batch);
  }
  const id = group.id;
  await kernel.close();
  return id;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

async function startDaemon(env: NodeJS.ProcessEnv): Promise<{ pid: number; port: number }> {
  const proc = spawn(process.execPath, [CLI, "daemon", "run"], { env, stdio: "ignore" });
  child = proc;
  const endpoint = join(home.dir, "daemon", "endpoint.json");
  return waitFor(
    () => {
      try {
        const e = JSON.parse(readFileSync(endpoint, "utf8")) as { pid: number; port: number };
        return e.pid === proc.pid ? e : undefined;
      } catch {
        return undefined;
      }
    },
    30_000,
    "the daemon's endpoint.json",
  );
}

/** A raw HTTP client that reads the first bytes of the answer, then stops reading for good. */
function stalledClient(port: number, path: string, localAddress = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    sockets.push(socket);
    socket.once("error", reject);
    socket.once("data", (chunk) => {
      socket.pause();
      resolve(chunk.toString("utf8"));
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  });
}

/** Peak RSS while it still moves; settled once 3 s pass without a new peak above +2 MB. */
async function peakRss(pid: number): Promise<number> {
  let peak = rssMb(pid);
  let since = Date.now();
  const deadline = Date.now() + 60_000;
  while (Date.now() - since < 3_000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = rssMb(pid);
    if (now > peak + 2) since = Date.now();
    peak = Math.max(peak, now);
  }
  return peak;
}

describe("event stream backpressure", () => {
  it("stalled ?after=0 clients on a 40 MB ledger: bounded memory, caps, release on close", async () => {
    const gid = await bigLedger();
    const { pid, port } = await startDaemon({
      ...process.env,
      CCCC_HOME: home.dir,
      CCCC_PORT: "0",
      CCCC_STREAM_LIMITS: JSON.stringify({ perRemote: CLIENTS, total: CLIENTS + 2 }),
    });
    const path = `/api/v1/groups/${gid}/stream?after=0`;
    const base = await peakRss(pid);

    const heads = await Promise.all(Array.from({ length: CLIENTS }, () => stalledClient(port, path)));
    for (const h of heads) expect(h).toMatch(/^HTTP\/1\.1 200/);
    const peak = await peakRss(pid);
    process.stdout.write(
      `stream backpressure: RSS base ${base.toFixed(0)} MB, with stalled clients ${peak.toFixed(0)} MB\n`,
    );
    expect(peak - base).toBeLessThan(100);

    const perRemote = await stalledClient(port, path);
    expect(perRemote).toMatch(/^HTTP\/1\.1 429/);
    expect(perRemote).toContain('"code":"stream_too_many_connections"');
    const other = await Promise.all([1, 2].map(() => stalledClient(port, path, "127.0.0.2")));
    for (const h of other) expect(h).toMatch(/^HTTP\/1\.1 200/);
    const total = await stalledClient(port, path, "127.0.0.2");
    expect(total).toMatch(/^HTTP\/1\.1 503/);
    expect(total).toContain('"code":"stream_server_busy"');

    for (const s of sockets.splice(0)) s.destroy();
    // Slots are released: a full set of new clients is accepted again.
    const again = await waitFor(
      async () => {
        const h = await stalledClient(port, `/api/v1/groups/${gid}/stream`);
        return /^HTTP\/1\.1 200/.test(h) ? h : undefined;
      },
      20_000,
      "a slot after the clients closed",
    );
    expect(again).toMatch(/200/);
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 2_000));
    const after = rssMb(pid);

    process.stdout.write(
      `stream backpressure: ledger ${EVENTS} events ≈ ${((EVENTS * TEXT_BYTES) / MB).toFixed(0)} MB, ` +
        `${CLIENTS} stalled clients: RSS base ${base.toFixed(0)} MB, peak ${peak.toFixed(0)} MB ` +
        `(+${(peak - base).toFixed(0)} MB), after close ${after.toFixed(0)} MB\n`,
    );
    expect(after - base).toBeLessThan(100);
  }, 180_000);
});
