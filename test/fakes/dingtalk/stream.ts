/**
 * Fake Stream gateway (protocol §1.11): `connections/open` mints one-shot tickets, `/connect` is the
 * WebSocket. Tests push CALLBACK and SYSTEM frames, inject faults, and read the recorded acks.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { parseJson, type Reply } from "./http.js";
import { type AckRecord, type FakeState, newApiError, newApiFault } from "./state.js";

export const ROBOT_TOPIC = "/v1.0/im/bot/messages/get";

export interface FakeConnection {
  id: string;
  appKey: string;
  ws: WebSocket;
  openedAt: number;
  closedAt?: number;
  /** Got SYSTEM disconnect: no new pushes are routed here (§1.5). */
  draining: boolean;
  /** Stopped answering anything, pongs included (half-open socket). */
  zombie: boolean;
  /** Lossy network: drop this many of the next acks from the client, so pushes get redelivered. */
  dropAcks: number;
}

export interface StreamOptions {
  /** Re-push a CALLBACK not acked within this time; null disables. */
  redeliverAfterMs: number | null;
  /** Redeliveries carry a fresh `headers.messageId` (msgId in data stays the same). */
  redeliverNewMessageId: boolean;
  /** After SYSTEM disconnect the server closes the socket this much later (real: ~10 s). */
  drainCloseMs: number;
  ticketTtlMs: number;
}

interface Pending {
  payload: Record<string, unknown>;
  timer?: NodeJS.Timeout;
}

export class FakeStream {
  readonly connections: FakeConnection[] = [];
  readonly acks: AckRecord[] = [];
  readonly subscriptions: unknown[] = [];
  gatewayOpens = 0;
  redeliveries = 0;
  private readonly tickets = new Map<string, { appKey: string; expiresAt: number }>();
  private readonly pending = new Map<string, Pending>();
  private readonly queue: { payload: Record<string, unknown>; messageId: string }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });

  constructor(
    private readonly state: FakeState,
    private readonly opts: StreamOptions,
  ) {}

  /** Pushes not acked yet, each waiting for its redelivery (0: nothing more will be redelivered). */
  get unacked(): number {
    return this.pending.size;
  }

  handleOpen(body: Buffer, wsBase: string): Reply {
    const fault = this.state.takeFault("gateway");
    if (fault) return newApiFault(fault, "gateway");
    const json = parseJson(body) ?? {};
    const app = this.state.apps.get(String(json.clientId ?? ""));
    // Exact body for bad credentials here is undocumented (§8); reuse the token endpoint's.
    if (!app || app.appSecret !== json.clientSecret) {
      return newApiError(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret");
    }
    const subs = json.subscriptions;
    if (!Array.isArray(subs) || subs.length === 0) {
      return newApiError(400, "invalidParameter.subscriptions", "subscriptions不能为空");
    }
    this.subscriptions.push(subs);
    const ticket = randomUUID();
    this.tickets.set(ticket, { appKey: app.appKey, expiresAt: Date.now() + this.opts.ticketTtlMs });
    this.gatewayOpens++;
    return { status: 200, body: { endpoint: `${wsBase}/connect`, ticket } };
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const ticket = url.searchParams.get("ticket") ?? "";
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket); // one-shot (§1.1)
    if (url.pathname !== "/connect" || !t || t.expiresAt <= Date.now()) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, t.appKey));
  }

  live(): FakeConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined);
  }

  /** Newest open connection that still gets pushes. */
  routable(): FakeConnection | undefined {
    return this.live()
      .filter((c) => !c.draining && !c.zombie)
      .at(-1);
  }

  /** Push a robot message; without a routable connection it waits for the next one. */
  push(payload: Record<string, unknown>, connection?: FakeConnection): string {
    const messageId = newMessageId();
    this.deliver(payload, messageId, connection);
    return messageId;
  }

  sendFrame(frame: string | object, connection?: FakeConnection): void {
    const conn = this.pick(connection);
    conn.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Send raw bytes as a WebSocket *text* frame (e.g. invalid UTF-8). */
  sendRawText(bytes: Buffer, connection?: FakeConnection): void {
    this.pick(connection).ws.send(bytes, { binary: false });
  }

  ping(connection?: FakeConnection): { messageId: string; opaque: string } {
    const conn = this.pick(connection);
    const opaque = randomUUID();
    const messageId = newMessageId();
    conn.ws.send(frameOf(conn, "SYSTEM", "ping", messageId, JSON.stringify({ opaque })));
    return { messageId, opaque };
  }

  disconnect(connection?: FakeConnection): FakeConnection {
    const conn = this.pick(connection);
    conn.draining = true;
    const data = JSON.stringify({ reason: "persistent connection is timeout" });
    conn.ws.send(frameOf(conn, "SYSTEM", "disconnect", newMessageId(), data));
    this.later(this.opts.drainCloseMs, () => conn.ws.terminate());
    return conn;
  }

  drop(connection?: FakeConnection): FakeConnection {
    const conn = this.pick(connection);
    conn.ws.terminate();
    return conn;
  }

  zombie(connection?: FakeConnection): FakeConnection {
    const conn = this.pick(connection);
    conn.zombie = true;
    return conn;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const c of this.connections) c.ws.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket, appKey: string): void {
    const conn: FakeConnection = {
      id: randomUUID(),
      appKey,
      ws,
      openedAt: Date.now(),
      draining: false,
      zombie: false,
      dropAcks: 0,
    };
    this.connections.push(conn);
    ws.on("ping", (data) => {
      if (!conn.zombie) ws.pong(data);
    });
    ws.on("message", (raw) => {
      if (conn.zombie) return;
      if (conn.dropAcks > 0) conn.dropAcks--;
      else this.onAck(conn, raw.toString());
    });
    ws.on("close", () => {
      conn.closedAt = Date.now();
    });
    ws.on("error", () => {});
    // Pushes that found no routable connection go to the new one.
    for (const q of this.queue.splice(0)) this.deliver(q.payload, q.messageId);
  }

  private onAck(conn: FakeConnection, text: string): void {
    const ack = parseJson(Buffer.from(text));
    const headers = ack?.headers as { messageId?: unknown } | undefined;
    if (!ack || typeof headers?.messageId !== "string") return;
    this.acks.push({
      connectionId: conn.id,
      messageId: headers.messageId,
      code: Number(ack.code),
      data: typeof ack.data === "string" ? ack.data : JSON.stringify(ack.data),
      at: Date.now(),
    });
    const p = this.pending.get(headers.messageId);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(headers.messageId);
    }
  }

  private deliver(payload: Record<string, unknown>, messageId: string, connection?: FakeConnection): void {
    const conn = connection ?? this.routable();
    if (!conn) {
      this.queue.push({ payload, messageId });
      return;
    }
    if (!conn.zombie)
      conn.ws.send(frameOf(conn, "CALLBACK", ROBOT_TOPIC, messageId, JSON.stringify(payload)));
    const { redeliverAfterMs } = this.opts;
    if (redeliverAfterMs === null) return;
    const entry: Pending = { payload };
    this.pending.set(messageId, entry);
    entry.timer = this.later(redeliverAfterMs, () => {
      if (!this.pending.delete(messageId)) return;
      this.redeliveries++;
      this.deliver(payload, this.opts.redeliverNewMessageId ? newMessageId() : messageId);
    });
  }

  private pick(connection?: FakeConnection): FakeConnection {
    const conn = connection ?? this.routable() ?? this.live().at(-1);
    if (!conn) throw new Error("fake DingTalk: no open Stream connection");
    return conn;
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }
}

function frameOf(conn: FakeConnection, type: string, topic: string, messageId: string, data: string): string {
  return JSON.stringify({
    specVersion: "1.0",
    type,
    headers: {
      appId: conn.appKey,
      connectionId: conn.id,
      contentType: "application/json",
      messageId,
      time: String(Date.now()),
      topic,
    },
    data,
  });
}

/** Shaped like DingTalk's push ids, e.g. `213f1d00_853_187b7df781f_225d` (§1.3). */
function newMessageId(): string {
  const h = (n: number) => randomBytes(n).toString("hex");
  return `${h(4)}_${Math.floor(Math.random() * 1000)}_${Date.now().toString(16)}_${h(2)}`;
}
