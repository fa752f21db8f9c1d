import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DingTalkApi } from "../../../src/im/dingtalk/api.js";
import { DEFAULT_MAX_IN_FLIGHT, PAUSE_AT } from "../../../src/im/dingtalk/robot-inbox.js";
import {
  DEFAULT_STREAM_TIMING,
  StreamClient,
  type StreamClientOptions,
  type StreamTiming,
} from "../../../src/im/dingtalk/stream.js";
import { type DedupeStore, FileDedupe, MemoryDedupe } from "../../../src/im/transport/dedupe-store.js";
import {
  type FakeDingTalk,
  type FakeDingTalkOptions,
  startFakeDingTalk,
} from "../../fakes/dingtalk/index.js";

const FAST: Partial<StreamTiming> = {
  pingIntervalMs: 1_000,
  pongTimeoutMs: 500,
  backoffBaseMs: 20,
  backoffMaxMs: 100,
  disconnectJitterMs: 0,
  drainMs: 3_000,
  handshakeTimeoutMs: 2_000,
};

let fake: FakeDingTalk;
let cleanup: (() => Promise<void> | void)[] = [];
let dir: string;

async function setup(opts: FakeDingTalkOptions = {}): Promise<void> {
  fake = await startFakeDingTalk({ redeliverAfterMs: null, ...opts });
  cleanup.push(() => fake.close());
}

function client(extra: Partial<StreamClientOptions> & { dedupe?: DedupeStore } = {}) {
  const api = new DingTalkApi({
    ...fake.client,
    retryBaseMs: 10,
  });
  const received: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const c = new StreamClient({
    open: (signal) => api.openStreamConnection(signal),
    onCallback: (data) => {
      received.push(data);
    },
    dedupe: extra.dedupe ?? new MemoryDedupe(),
    log: (line) => logs.push(line),
    ...extra,
    timing: { ...FAST, ...extra.timing },
  });
  cleanup.unshift(async () => {
    await c.stop();
    api.close();
  });
  return { client: c, api, received, logs };
}

/** A client whose handler records each msgId and then waits until `release()`. */
function stuckClient(timing: Partial<StreamTiming> = {}) {
  let release!: () => void;
  const stuck = new Promise<void>((r) => {
    release = r;
  });
  const seen: string[] = [];
  const { client: c } = client({
    timing,
    onCallback: async (data) => {
      seen.push(String(data.msgId));
      await stuck;
    },
  });
  return { client: c, seen, release };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cccc-stream-"));
});

afterEach(async () => {
  for (const fn of cleanup) await fn();
  cleanup = [];
  rmSync(dir, { recursive: true, force: true });
});

describe("DingTalk Stream client against the fake gateway", () => {
  it("connects with a fresh ticket, receives a robot message and acks it at once", async () => {
    await setup();
    const { client: c, received } = client();
    await c.start();
    expect(c.status().connected).toBe(true);
    expect(fake.stream.subscriptions[0]).toEqual([{ type: "CALLBACK", topic: "/v1.0/im/bot/messages/get" }]);

    const payload = fake.robotMessage({ text: "hi there" });
    const messageId = fake.push(payload);
    await fake.waitFor(() => received.length === 1, 2_000, "delivery");
    expect(received[0]?.msgId).toBe(payload.msgId);
    expect(received[0]?.text).toEqual({ content: "hi there" });
    const ack = await fake.waitFor(() => fake.acks.find((a) => a.messageId === messageId), 2_000, "ack");
    expect(ack.code).toBe(200);
    expect(JSON.parse(ack.data)).toEqual({ response: null });
  });

  it("echoes the opaque data of a SYSTEM ping", async () => {
    await setup();
    const { client: c } = client();
    await c.start();
    const { messageId, opaque } = fake.ping();
    const ack = await fake.waitFor(() => fake.acks.find((a) => a.messageId === messageId), 2_000, "ping ack");
    expect(ack.code).toBe(200);
    expect(JSON.parse(ack.data)).toEqual({ opaque });
  });

  it("logs and acks malformed and unknown frames without dropping the socket", async () => {
    await setup();
    const { client: c, received, logs } = client();
    await c.start();
    fake.pushFrame("{not json");
    fake.pushFrame({
      specVersion: "1.0",
      type: "WEIRD",
      headers: { messageId: "weird-1", topic: "x" },
      data: "{}",
    });
    fake.pushFrame({ type: "SYSTEM", headers: { messageId: "ka-1", topic: "KEEPALIVE" }, data: "{}" });
    fake.pushFrame({
      type: "CALLBACK",
      headers: { messageId: "bad-data", topic: "/v1.0/im/bot/messages/get" },
      data: "{oops",
    });
    fake.push(fake.robotMessage({ text: "still alive" }));
    await fake.waitFor(() => received.length === 1, 2_000, "delivery after junk");
    await fake.waitFor(() =>
      ["weird-1", "ka-1", "bad-data"].every((id) => fake.acks.some((a) => a.messageId === id)),
    );
    expect(logs.some((l) => l.includes("not JSON"))).toBe(true);
    expect(c.status().reconnects).toBe(0);
    expect(fake.stream.gatewayOpens).toBe(1);
  });

  it("dedupes a message id across a client restart (FileDedupe)", async () => {
    await setup();
    const file = join(dir, "dedupe.json");
    const first = client({ dedupe: new FileDedupe(file) });
    await first.client.start();
    const payload = fake.robotMessage({ text: "once" });
    fake.push(payload);
    await fake.waitFor(() => first.received.length === 1);
    await first.client.stop();

    const second = client({ dedupe: new FileDedupe(file) });
    await second.client.start();
    const dupId = fake.push(payload); // same msgId, new push id
    await fake.waitFor(() => fake.acks.some((a) => a.messageId === dupId), 2_000, "ack of duplicate");
    fake.push(fake.robotMessage({ text: "new" }));
    await fake.waitFor(() => second.received.length === 1, 2_000, "new message");
    expect(second.received.map((d) => d.text)).toEqual([{ content: "new" }]);
    expect(second.logs.some((l) => l.includes(`duplicate message ${String(payload.msgId)}`))).toBe(true);
  });

  it("handles a redelivered (unacked) push exactly once", async () => {
    await setup({ redeliverAfterMs: 150, redeliverNewMessageId: true });
    const { client: c, received } = client();
    await c.start();
    const conn = fake.liveConnections()[0];
    if (!conn) throw new Error("no connection");
    conn.dropAcks = 1; // the first ack is lost on the way
    fake.push(fake.robotMessage({ text: "lossy" }));
    await fake.waitFor(() => fake.stream.redeliveries >= 1, 2_000, "redelivery");
    await fake.waitFor(() => fake.acks.length >= 1, 2_000, "ack of redelivery");
    // Nothing more arrives: no push waits for a redelivery, and a duplicate would be handled before
    // a message pushed after it.
    expect(fake.stream.unacked).toBe(0);
    fake.push(fake.robotMessage({ text: "next" }));
    await fake.waitFor(() => received.length >= 2, 2_000, "the next message");
    expect(received.map((d) => d.text)).toEqual([{ content: "lossy" }, { content: "next" }]);
    expect(fake.stream.redeliveries).toBe(1);
  });

  it("on SYSTEM disconnect opens the new connection before the old one closes and loses nothing", async () => {
    await setup({ drainCloseMs: 400 });
    const { client: c, received } = client();
    await c.start();
    const old = fake.liveConnections()[0];
    if (!old) throw new Error("no connection");
    fake.disconnect(old);
    fake.push(fake.robotMessage({ text: "in the drain window" })); // no routable connection yet
    fake.push(fake.robotMessage({ text: "late frame on the old socket" }), old);
    await fake.waitFor(() => received.length === 2, 3_000, "both messages");
    await fake.waitFor(() => old.closedAt !== undefined, 3_000, "old socket closed");
    const fresh = fake.connections[1];
    expect(fresh).toBeDefined();
    expect(fresh?.openedAt).toBeLessThanOrEqual(old.closedAt ?? 0);
    expect(fresh?.closedAt).toBeUndefined();
    expect(fake.stream.gatewayOpens).toBe(2);
    expect(c.status()).toMatchObject({ connected: true, reconnects: 1 });
    expect(c.status().lastReconnectReason).toContain("disconnect");
    expect(received.map((d) => (d.text as { content: string }).content).sort()).toEqual([
      "in the drain window",
      "late frame on the old socket",
    ]);
  });

  it("reconnects after an abrupt socket drop", async () => {
    await setup();
    const { client: c, received } = client();
    await c.start();
    fake.dropSocket();
    await fake.waitFor(() => fake.stream.routable() && fake.stream.gatewayOpens === 2, 3_000, "reconnect");
    fake.push(fake.robotMessage({ text: "after drop" }));
    await fake.waitFor(() => received.length === 1, 2_000, "delivery after reconnect");
    expect(c.status().reconnects).toBe(1);
    expect(c.status().lastReconnectReason).toContain("socket closed");
  });

  it("stops reading while 512 messages wait for a stuck handler, keeps the connection, and loses nothing", async () => {
    await setup();
    const { client: c, seen, release } = stuckClient({ pingIntervalMs: 50, pongTimeoutMs: 100 });
    await c.start();
    const total = 3000;
    for (let i = 0; i < total; i++) fake.push(fake.robotMessage({ text: `m${i}` }));
    // Without a journal every message read is acked at once: the acks show how far reading went.
    await fake.waitFor(() => fake.acks.length >= PAUSE_AT + DEFAULT_MAX_IN_FLIGHT, 5_000, "backlog");
    await new Promise((r) => setTimeout(r, 500)); // ten ping intervals: a zombie check would have fired
    expect(seen).toHaveLength(DEFAULT_MAX_IN_FLIGHT);
    // The bound plus what one socket read had already brought in; the rest waits in the kernel.
    expect(fake.acks.length).toBeLessThan(PAUSE_AT + DEFAULT_MAX_IN_FLIGHT + 200);
    // What `cccc im status` shows as waiting: every message read (acked) and not yet handled.
    expect(c.backlog).toBe(fake.acks.length);
    expect(fake.stream.gatewayOpens).toBe(1);
    release();
    await fake.waitFor(() => seen.length === total, 10_000, "every message handled");
    expect(new Set(seen).size).toBe(total);
    await fake.waitFor(() => fake.acks.length === total, 5_000, "every message acked");
    await fake.waitFor(() => c.backlog === 0, 5_000, "nothing waiting");
    expect(fake.stream.gatewayOpens).toBe(1);
  });

  it("a stop while reading is paused does not leave the next start paused", async () => {
    await setup();
    const { client: c, seen, release } = stuckClient();
    await c.start();
    for (let i = 0; i < 1000; i++) fake.push(fake.robotMessage({ text: `m${i}` }));
    await fake.waitFor(() => fake.acks.length >= PAUSE_AT + DEFAULT_MAX_IN_FLIGHT, 5_000, "backlog");
    await c.stop();
    release(); // the handlers finish while stopped: the rest of the backlog stays queued
    await new Promise((r) => setTimeout(r, 50));
    await c.start();
    const late = fake.robotMessage({ text: "after the restart" });
    fake.push(late);
    await fake.waitFor(() => seen.includes(String(late.msgId)), 5_000, "a message after the restart");
  });

  it("detects a zombie socket via WS ping/pong and reconnects", async () => {
    await setup();
    const { client: c, received, logs } = client({ timing: { pingIntervalMs: 50, pongTimeoutMs: 100 } });
    await c.start();
    const zombie = fake.zombie();
    await fake.waitFor(() => fake.stream.gatewayOpens === 2 && fake.stream.routable(), 3_000, "reconnect");
    expect(logs.some((l) => l.includes("zombie"))).toBe(true);
    expect(c.status().lastError?.code).toBe("dingtalk_stream_zombie");
    await fake.waitFor(() => zombie.closedAt !== undefined, 2_000, "zombie closed");
    fake.push(fake.robotMessage({ text: "after zombie" }));
    await fake.waitFor(() => received.length === 1, 2_000, "delivery");
  });

  it("reconnects at once after a zombie instead of waiting out a backoff (offline gap ≤ detection time)", async () => {
    await setup();
    // A backoff long enough to see: the old path waited backoffDelay(...) ≥ 2.5 s after a zombie.
    const { client: c } = client({
      timing: {
        pingIntervalMs: 50,
        pongTimeoutMs: 100,
        backoffBaseMs: 5_000,
        backoffMaxMs: 5_000,
        disconnectJitterMs: 50,
      },
    });
    await c.start();
    fake.zombie();
    const zombieAt = Date.now();
    await fake.waitFor(
      () => fake.stream.gatewayOpens === 2 && fake.stream.routable() !== undefined,
      10_000,
      "reconnect",
    );
    const gapMs = Date.now() - zombieAt;
    // Detection ≤ ping + pong timeout (150 ms) + jitter (50 ms) + a connect; generous for a loaded machine.
    expect(gapMs).toBeLessThan(2_000);
    expect(c.status().lastError?.code).toBe("dingtalk_stream_zombie");
  });

  it("default liveness settings detect a zombie within 60 s", () => {
    expect(DEFAULT_STREAM_TIMING.pingIntervalMs + DEFAULT_STREAM_TIMING.pongTimeoutMs).toBeLessThanOrEqual(
      60_000,
    );
  });

  it("backs off with growing delays while the gateway refuses, then recovers", async () => {
    await setup();
    fake.refuseGatewayOpen(3);
    const { client: c } = client({ timing: { backoffBaseMs: 40, backoffMaxMs: 160 } });
    await c.start(); // not fatal: retried in the background
    expect(c.status().connected).toBe(false);
    expect(c.status().lastError?.code).toBe("dingtalk_server_error");
    await fake.waitFor(() => c.status().connected, 5_000, "recovery");
    const opens = fake.requests.filter((r) => r.path === "/v1.0/gateway/connections/open");
    expect(opens.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    const gaps = opens.slice(1).map((r, i) => r.at - (opens[i]?.at ?? 0));
    // equal-jitter backoff: at least half of 40·2^n capped at 160 → ≥ 40, 80, 80 ms
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(78);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
  });

  it("start() rejects at once on rejected credentials", async () => {
    await setup();
    const api = new DingTalkApi({
      appKey: "nope",
      appSecret: "bad",
      apiBase: fake.apiBase,
      oapiBase: fake.oapiBase,
    });
    cleanup.unshift(() => api.close());
    const c = new StreamClient({
      open: (s) => api.openStreamConnection(s),
      onCallback: () => {},
      dedupe: new MemoryDedupe(),
      log: () => {},
    });
    await expect(c.start()).rejects.toMatchObject({ code: "dingtalk_invalid_app_key" });
    expect(c.status().connected).toBe(false);
  });

  it("start/stop 20 times leaves no timers or sockets behind", async () => {
    await setup();
    const counts = () => {
      const info = process.getActiveResourcesInfo();
      return {
        timers: info.filter((t) => t === "Timeout").length,
        sockets: info.filter((t) => t === "TCPSocketWrap").length,
      };
    };
    const baseline = counts();
    for (let i = 0; i < 20; i++) {
      const { client: c, api } = client();
      await c.start();
      expect(c.status().connected).toBe(true);
      await c.stop();
      api.close(); // its owner (the adapter's stop) closes the API's kept-alive connections
    }
    expect(fake.connections).toHaveLength(20);
    await fake.waitFor(() => fake.liveConnections().length === 0, 3_000, "server side closed");
    const after = await fake
      .waitFor(
        () => {
          const now = counts();
          return now.timers <= baseline.timers && now.sockets <= baseline.sockets ? now : undefined;
        },
        3_000,
        "handles back to baseline",
      )
      .catch(() => counts());
    expect(after.sockets).toBeLessThanOrEqual(baseline.sockets);
    expect(after.timers).toBeLessThanOrEqual(baseline.timers);
  });
});
