/**
 * Item 2: connection faults through the real daemon and the fake gateway. Every case pushes user
 * messages around the fault and checks each lands in the ledger exactly once, and that the bridge
 * log and the IM status name the reconnect's cause.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startTransportWorld, type TransportWorld, waitFor } from "./transport-support.js";

const DIRECT = {
  chat: "direct" as const,
  conversationId: "cid-conn",
  senderNick: "李四",
  senderStaffId: "u2",
};

let w: TransportWorld;
beforeAll(async () => {
  w = await startTransportWorld({ fake: { redeliverAfterMs: 1_500, drainCloseMs: 1_500 } });
  await w.subscribe(DIRECT);
}, 60_000);
afterAll(() => w?.close());

/** Push a user message now; resolve its msgId. */
function say(text: string, conn?: Parameters<TransportWorld["fake"]["push"]>[1]): string {
  const payload = w.fake.robotMessage({ ...DIRECT, text });
  w.fake.push(payload, conn);
  return String(payload.msgId);
}

async function landsOnce(msgId: string, what: string): Promise<void> {
  await waitFor(() => w.ledgerCount(msgId) > 0, 20_000, what);
  // No copy can come later: every push is acked (none waits for DingTalk's redelivery), and a
  // message pushed now is handled after any copy already received.
  await waitFor(() => w.fake.stream.unacked === 0, 20_000, `${what}: every push acked`);
  const next = say(`next after: ${what}`);
  await waitFor(() => w.ledgerCount(next) > 0, 20_000, `${what}: the next message`);
  expect(w.ledgerCount(msgId), what).toBe(1);
}

/** Reconnected; the log names `code` as the cause; the status' last error is `statusCode`. */
async function reconnectedWith(code: string, after: number, statusCode = code): Promise<void> {
  await waitFor(
    async () => {
      const s = await w.imStatus();
      return s.connected && s.reconnects > after && s.last_error?.code === statusCode;
    },
    20_000,
    `status: reconnected with ${statusCode}`,
  );
  expect(w.bridgeLog()).toContain(`stream reconnecting (${code})`);
}

describe("connection faults through the daemon", () => {
  it("server disconnect: the new connection opens before the old closes; drain-window pushes are kept", async () => {
    const before = (await w.imStatus()).reconnects;
    const old = w.fake.liveConnections().at(-1);
    if (!old) throw new Error("no connection");
    w.fake.disconnect(old);
    const fresh = await waitFor(
      () => w.fake.liveConnections().find((c) => c !== old && !c.draining),
      10_000,
      "replacement connection",
    );
    // In-flight pushes can still arrive on the draining socket, and new ones go to the new socket.
    const onOld = say("sent on the draining socket", old);
    const onNew = say("sent after the disconnect");
    await landsOnce(onOld, "push on the draining socket");
    await landsOnce(onNew, "push on the new socket");
    await waitFor(() => old.closedAt, 10_000, "old socket closed by the server");
    expect(fresh.openedAt).toBeLessThan(old.closedAt ?? 0); // make-before-break
    await reconnectedWith("dingtalk_stream_disconnect", before);
  });

  it("abrupt socket drop: reconnects and nothing pushed around the drop is lost", async () => {
    const before = (await w.imStatus()).reconnects;
    w.fake.dropSocket();
    const id = say("right after the drop"); // may hit the dead socket: DingTalk re-pushes it
    await reconnectedWith("dingtalk_stream_closed", before);
    await landsOnce(id, "push around the drop");
  });

  it("zombie socket (TCP open, no frames, no pongs) is detected well within 60 s", async () => {
    const before = (await w.imStatus()).reconnects;
    const zombie = w.fake.zombie();
    const started = Date.now();
    // One push goes into the dead socket itself (never acked, so DingTalk re-pushes it), one is
    // pushed while the socket is known to the gateway as unusable.
    const swallowed = say("swallowed by the zombie socket", zombie);
    const id = say("while the socket is a zombie");
    await waitFor(() => w.fake.liveConnections().some((c) => c.openedAt > started), 60_000, "new connection");
    const detectedMs = Date.now() - started;
    console.log(`zombie detected and replaced in ${detectedMs} ms (ping 300 ms, pong timeout 400 ms)`);
    expect(detectedMs).toBeLessThan(60_000);
    await reconnectedWith("dingtalk_stream_zombie", before);
    await landsOnce(id, "push during the zombie period");
    await landsOnce(swallowed, "push swallowed by the zombie, re-pushed after no ack");
    expect(zombie.closedAt).toBeDefined();
  });

  it("gateway open failing for a while: backs off, then recovers and delivers", async () => {
    const before = (await w.imStatus()).reconnects;
    const opens = w.fake.stream.gatewayOpens;
    w.fake.refuseGatewayOpen(4);
    w.fake.dropSocket();
    const id = say("during the gateway outage");
    // The status keeps the gateway's answer as the last error; the log has the whole story.
    await reconnectedWith("dingtalk_stream_closed", before, "dingtalk_server_error");
    expect(
      w.fake.requests.filter((r) => r.path === "/v1.0/gateway/connections/open" && r.status === 503),
    ).toHaveLength(4);
    expect(w.fake.stream.gatewayOpens).toBe(opens + 1);
    expect(w.bridgeLog()).toMatch(/stream connect failed .*next try in \d+ ms/);
    await landsOnce(id, "push during the outage");
  });

  it("timers firing far too late (sleep/wake, clock jump) reconnect at once", async () => {
    const before = (await w.imStatus()).reconnects;
    const old = w.fake.liveConnections().at(-1);
    const stall = Date.now();
    while (Date.now() - stall < 2_500) {
      // the whole process is frozen, as during a laptop sleep
    }
    const fresh = await waitFor(
      () => w.fake.liveConnections().find((c) => c !== old && c.openedAt >= stall),
      10_000,
      "new connection after the stall",
    );
    console.log(`clock jump: new connection ${fresh.openedAt - stall - 2_500} ms after the stall ended`);
    await reconnectedWith("dingtalk_stream_clock_jump", before);
    await landsOnce(say("after waking up"), "push after the stall");
  });

  it("cccc im status prints the reconnect count and the last cause", async () => {
    const r = await runCli(["im", "status", "--group", w.gid], { CCCC_HOME: w.home, CCCC_NO_AUTOSTART: "1" });
    expect(r.stdout).toMatch(/connected: yes.*\(\d+ reconnects\)/);
    expect(r.stdout).toMatch(
      /last error: \[dingtalk_stream_clock_jump\] reconnect #\d+: timers ran \d+ ms late/,
    );
  });
});
