/**
 * Issue 15 item 10: a refused reconnect after a healthy spell must not inherit the backoff of
 * earlier faults. Through the real daemon and the fake gateway, with short ping and backoff-base
 * timings (CCCC_DINGTALK_STREAM_TIMING) but the DEFAULT healthy period and backoff cap, which are
 * what the fix is about: six refused opens push the backoff up, the connection then stays healthy
 * past the default healthy period, and a single refuse-gateway fault must reconnect within about a
 * second (old code: the backoff carried over, 9–19 s).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_STREAM_TIMING } from "../../src/im/dingtalk/stream-options.js";
import { startTransportWorld, type TransportWorld, waitFor } from "./transport-support.js";

/** A healthy spell as users see it; the default healthy period must be shorter than this. */
const HEALTHY_SPELL_MS = 11_000;
let w: TransportWorld;
beforeAll(async () => {
  w = await startTransportWorld({
    timing: { pingIntervalMs: 300, pongTimeoutMs: 2_000, backoffBaseMs: 100, disconnectJitterMs: 50 },
  });
}, 60_000);
afterAll(() => w?.close());

const opens = () => w.fake.requests.filter((r) => r.path === "/v1.0/gateway/connections/open");

describe("offline gap after a refused reconnect", () => {
  it("a single fault after a healthy spell reconnects within the cap, not after the old backoff", async () => {
    // Six refused opens in a row: the backoff grows (100 ms · 2^n).
    const first = w.fake.stream.gatewayOpens;
    w.fake.refuseGatewayOpen(6);
    w.fake.dropSocket();
    const reconnected = (after: number) => w.fake.stream.gatewayOpens > after && w.fake.stream.routable();
    await waitFor(() => reconnected(first), 30_000, "recovery after six refusals");
    expect(opens().filter((r) => r.status === 503)).toHaveLength(6);

    // Healthy: connected and pings answered for 11 s (a soak's faults come every 4–12 s).
    await new Promise((r) => setTimeout(r, HEALTHY_SPELL_MS));
    expect(w.fake.liveConnections()).toHaveLength(1);

    // One refuse-gateway fault: the socket drops and the next open is refused.
    const second = w.fake.stream.gatewayOpens;
    w.fake.refuseGatewayOpen(1);
    const faultAt = Date.now();
    w.fake.dropSocket();
    await waitFor(() => reconnected(second), 30_000, "reconnect after the single fault");
    const gap = Date.now() - faultAt;
    process.stdout.write(`offline gap after a single fault following a healthy spell: ${gap} ms\n`);
    expect(gap).toBeLessThan(3_000);
  }, 90_000);

  it("repeated refusals are capped at 10–15 s with jitter", () => {
    expect(DEFAULT_STREAM_TIMING.backoffMaxMs).toBeGreaterThanOrEqual(10_000);
    expect(DEFAULT_STREAM_TIMING.backoffMaxMs).toBeLessThanOrEqual(15_000);
  });
});
