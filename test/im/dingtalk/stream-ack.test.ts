/**
 * Acks of one tick leave in one socket write (stream-ack.ts), over a real `ws` connection on
 * loopback: the client socket's writes are counted where `net.Socket` hands them to the kernel.
 */
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { ackFrame, sendInTick } from "../../../src/im/dingtalk/stream-ack.js";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function pair(): Promise<{ client: WebSocket; received: string[]; writes: () => number }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  const received: string[] = [];
  server.on("connection", (s) => s.on("message", (m) => received.push(m.toString())));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await new Promise((r) => client.once("open", r));
  closers.push(() => {
    client.terminate();
    server.close();
  });
  // What reaches the kernel: one `_write` or `_writev` per syscall.
  const socket = (client as unknown as { _socket: Record<string, (...a: unknown[]) => unknown> })._socket;
  let writes = 0;
  for (const name of ["_write", "_writev"] as const) {
    const original = socket[name]?.bind(socket);
    if (!original) continue;
    socket[name] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return { client, received, writes: () => writes };
}

describe("stream acks", () => {
  it("sends the acks of one tick in one socket write, every one of them, in order", async () => {
    const { client, received, writes } = await pair();
    await Promise.resolve().then(() => {
      for (let i = 0; i < 50; i++) sendInTick(client, ackFrame(`m${i}`, '{"response":null}'));
    });
    await new Promise((r) => setImmediate(r));
    expect(writes()).toBe(1);
    const deadline = Date.now() + 2_000;
    while (received.length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(
      received.map((m) => (JSON.parse(m) as { headers: { messageId: string } }).headers.messageId),
    ).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    // The next tick corks again.
    sendInTick(client, ackFrame("later", "{}"));
    await new Promise((r) => setImmediate(r));
    expect(writes()).toBe(2);
  });

  it("still sends when the socket is not reachable (a `ws` without `_socket`)", () => {
    const sent: string[] = [];
    sendInTick({ send: (t: string) => sent.push(t) } as unknown as WebSocket, "x");
    expect(sent).toEqual(["x"]);
  });

  it("an ack frame is the JSON the gateway expects, data as a string", () => {
    expect(JSON.parse(ackFrame('id"1', '{"opaque":"o"}'))).toEqual({
      code: 200,
      headers: { messageId: 'id"1', contentType: "application/json" },
      message: "OK",
      data: '{"opaque":"o"}',
    });
  });
});
