/**
 * DingTalk Stream-mode client on `ws` (protocol §1; why not the `dingtalk-stream` package: §6).
 * Transport only: it acks every frame at once, dedupes robot messages by msgId and hands the parsed
 * callback data to a handler. Connection lifecycle: a fresh ticket per connect, make-before-break on
 * SYSTEM `disconnect`, WS ping/pong liveness, jittered backoff, one reconnect loop at a time.
 */
import WebSocket from "ws";
import { ROBOT_TOPIC } from "./api.js";
import { PlatformApiError } from "./errors.js";
import { decodeStreamFrame, parseFrameData } from "./frame.js";
import {
  type CallbackMeta,
  DEFAULT_STREAM_TIMING,
  isFatal,
  messageIdOf,
  reasonOf,
  type StreamClientOptions,
  type StreamStatus,
  type StreamTiming,
} from "./stream-options.js";
import { abortError, backoffDelay, sleep } from "./timing.js";

export {
  type CallbackMeta,
  DEFAULT_STREAM_TIMING,
  type StreamClientOptions,
  type StreamStatus,
  type StreamTiming,
} from "./stream-options.js";

interface Conn {
  id: number;
  ws: WebSocket;
  openedAt: number;
  draining: boolean;
  lastTick: number;
  pingTimer?: NodeJS.Timeout;
  pongTimer?: NodeJS.Timeout;
  drainTimer?: NodeJS.Timeout;
}

const QUIET_SYSTEM_TOPICS = new Set(["CONNECTED", "REGISTERED", "KEEPALIVE"]);

export class StreamClient {
  private readonly t: StreamTiming;
  private readonly conns = new Set<Conn>();
  private current?: Conn;
  private started = false;
  private abort = new AbortController();
  private reconnecting?: Promise<void>;
  private failures = 0;
  private nextId = 1;
  private readonly state: StreamStatus = { connected: false, reconnects: 0 };

  constructor(private readonly opts: StreamClientOptions) {
    this.t = { ...DEFAULT_STREAM_TIMING, ...opts.timing };
  }

  status(): StreamStatus {
    return { ...this.state };
  }

  /**
   * Connect once. Rejects on rejected credentials; any other failure is recorded in the status and
   * retried in the background.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.abort = new AbortController();
    try {
      await this.connectOnce(this.abort.signal);
    } catch (err) {
      if (isFatal(err)) {
        await this.stop();
        throw err;
      }
      if (!this.started) return;
      this.failures++;
      this.recordError(err);
      this.reconnect(`initial connect failed: ${(err as Error).message}`, false);
    }
  }

  /** Close every socket, clear every timer, end the reconnect loop. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.abort.abort();
    const closing = [...this.conns].map((c) => this.closeConn(c));
    this.current = undefined;
    this.setConnected(false);
    await Promise.all(closing);
    await this.reconnecting?.catch(() => {});
  }

  private async connectOnce(signal: AbortSignal): Promise<void> {
    const { endpoint, ticket } = await this.opts.open(signal);
    // §1.2: use the endpoint verbatim; the ticket is one-shot.
    const url = `${endpoint}${endpoint.includes("?") ? "&" : "?"}ticket=${encodeURIComponent(ticket)}`;
    const ws = new WebSocket(url, { handshakeTimeout: this.t.handshakeTimeoutMs, perMessageDeflate: false });
    const conn: Conn = { id: this.nextId++, ws, openedAt: 0, draining: false, lastTick: 0 };
    // Listen before `open`: the gateway may push in the same packet as the handshake answer.
    ws.on("message", (raw) => this.onFrame(conn, raw));
    ws.on("pong", () => this.alive(conn));
    ws.on("ping", () => this.alive(conn)); // `ws` answers server pings itself
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        ws.terminate();
        reject(abortError(signal));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      ws.once("open", () => {
        signal.removeEventListener("abort", onAbort);
        ws.removeAllListeners("error");
        resolve();
      });
      // `on`, not `once`: a failing handshake may report more than one error.
      ws.on("error", (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      });
    });
    this.install(conn);
  }

  private install(conn: Conn): void {
    const { ws } = conn;
    conn.openedAt = conn.lastTick = Date.now();
    ws.on("close", (code, reason) => this.onClose(conn, code, reason.toString()));
    ws.on("error", (err) => this.opts.log(`stream #${conn.id} socket error: ${err.message}`));
    this.conns.add(conn);
    this.current = conn;
    conn.pingTimer = setInterval(() => this.tick(conn), this.t.pingIntervalMs);
    this.opts.log(`stream #${conn.id} connected`);
    this.setConnected(true);
  }

  /** Liveness (§1.8): ping, expect a pong (or any frame) within pongTimeoutMs. */
  private tick(conn: Conn): void {
    const now = Date.now();
    const late = now - conn.lastTick - this.t.pingIntervalMs;
    conn.lastTick = now;
    if (late > this.t.clockJumpMs) {
      this.opts.log(`stream #${conn.id}: timers ran ${late} ms late (sleep/wake?); reconnecting`);
      conn.ws.terminate();
      return;
    }
    if (conn.pongTimer) return;
    conn.pongTimer = setTimeout(() => {
      this.opts.log(
        `stream #${conn.id}: no pong within ${this.t.pongTimeoutMs} ms (zombie socket); reconnecting`,
      );
      this.recordError(
        new PlatformApiError("dingtalk_stream_zombie", "Stream socket stopped answering pings", ""),
      );
      conn.ws.terminate();
    }, this.t.pongTimeoutMs);
    try {
      conn.ws.ping();
    } catch {
      // socket already closing; the close handler takes over
    }
  }

  private alive(conn: Conn): void {
    clearTimeout(conn.pongTimer);
    conn.pongTimer = undefined;
  }

  private onClose(conn: Conn, code: number, reason: string): void {
    this.clearTimers(conn);
    this.conns.delete(conn);
    if (Date.now() - conn.openedAt >= this.t.healthyAfterMs) this.failures = 0;
    this.opts.log(`stream #${conn.id} closed (${code}${reason ? ` ${reason}` : ""})`);
    if (!this.started || conn !== this.current) return; // stopping, or a drained socket
    this.current = undefined;
    this.setConnected(false);
    this.reconnect(`socket closed (${code}${reason ? ` ${reason}` : ""})`, false);
  }

  /** SYSTEM disconnect (§1.5): connect a replacement now, let the old socket drain. */
  private onDisconnect(conn: Conn, reason: string): void {
    if (conn.draining) return;
    conn.draining = true;
    conn.drainTimer = setTimeout(() => conn.ws.terminate(), this.t.drainMs);
    if (this.current === conn) {
      this.current = undefined;
      this.setConnected(false);
    }
    this.reconnect(`server disconnect${reason ? `: ${reason}` : ""}`, true);
  }

  /** Single-flight reconnect loop with jittered exponential backoff (§1.9). */
  private reconnect(reason: string, immediate: boolean): void {
    if (!this.started || this.reconnecting) return;
    this.state.reconnects++;
    this.state.lastReconnectReason = reason;
    this.opts.log(`stream reconnecting: ${reason}`);
    this.emit();
    const signal = this.abort.signal;
    this.reconnecting = (async () => {
      let delay = immediate
        ? Math.random() * this.t.disconnectJitterMs
        : backoffDelay(this.failures, this.t.backoffBaseMs, this.t.backoffMaxMs);
      while (this.started && !signal.aborted) {
        try {
          await sleep(delay, signal);
          await this.connectOnce(signal);
          return;
        } catch (err) {
          if (signal.aborted) return;
          this.failures++;
          this.recordError(err);
          if (isFatal(err)) {
            this.opts.log(`stream giving up: ${err.message}`);
            void this.stop();
            this.opts.onFatal?.(err);
            return;
          }
          delay = backoffDelay(this.failures, this.t.backoffBaseMs, this.t.backoffMaxMs);
          this.opts.log(`stream connect failed (${(err as Error).message}); next try in ${delay} ms`);
        }
      }
    })().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private onFrame(conn: Conn, raw: WebSocket.RawData): void {
    this.alive(conn);
    if (!this.started) return;
    const text = Array.isArray(raw)
      ? Buffer.concat(raw).toString("utf8")
      : Buffer.from(raw as Buffer).toString("utf8");
    const decoded = decodeStreamFrame(text);
    if (!decoded.ok) {
      // Malformed or unknown frames are logged and, when they carry a messageId, acked (§1.3).
      this.opts.log(`stream #${conn.id}: ${decoded.reason}; frame skipped`);
      const messageId = messageIdOf(text);
      if (messageId) this.ack(conn, messageId, "{}");
      return;
    }
    const { type, headers, data } = decoded.frame;
    const { messageId, topic } = headers;
    switch (type) {
      case "SYSTEM":
        // ping: echo the data (it carries `opaque`) unchanged, before anything else (§1.5).
        this.ack(conn, messageId, topic === "ping" ? data : "{}");
        if (topic === "disconnect") this.onDisconnect(conn, reasonOf(data));
        else if (topic !== "ping" && !QUIET_SYSTEM_TOPICS.has(topic))
          this.opts.log(`stream: ignored SYSTEM ${topic}`);
        return;
      case "CALLBACK":
        // Ack before any processing, or DingTalk re-pushes the message (§1.7).
        this.ack(conn, messageId, JSON.stringify({ response: null }));
        if (topic === ROBOT_TOPIC) this.dispatch(data, { messageId, topic });
        else this.opts.log(`stream: ignored CALLBACK topic ${topic}`);
        return;
      case "EVENT":
        this.ack(conn, messageId, JSON.stringify({ status: "SUCCESS", message: "ignored" }));
        return;
    }
  }

  private dispatch(raw: string, meta: CallbackMeta): void {
    const data = parseFrameData({ data: raw });
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      this.opts.log(`stream: robot callback data is not an object (${meta.messageId})`);
      return;
    }
    const msgId = (data as { msgId?: unknown }).msgId;
    if (typeof msgId === "string" && msgId) {
      if (this.opts.dedupe.has(msgId)) {
        this.opts.log(`stream: duplicate message ${msgId} skipped`);
        return;
      }
      try {
        this.opts.dedupe.add(msgId);
      } catch (err) {
        this.opts.log(`stream: could not persist dedupe id (${(err as Error).message})`);
      }
    }
    Promise.resolve()
      .then(() => this.opts.onCallback(data as Record<string, unknown>, meta))
      .catch((err: unknown) =>
        this.opts.log(`stream: message handler failed: ${(err as Error)?.message ?? err}`),
      );
  }

  private ack(conn: Conn, messageId: string, data: string): void {
    if (conn.ws.readyState !== WebSocket.OPEN) {
      this.opts.log(`stream #${conn.id}: socket not open, ack for ${messageId} dropped`);
      return;
    }
    const frame = { code: 200, headers: { messageId, contentType: "application/json" }, message: "OK", data };
    conn.ws.send(JSON.stringify(frame));
  }

  private closeConn(conn: Conn): Promise<void> {
    this.clearTimers(conn);
    const { ws } = conn;
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => ws.terminate(), 1_000);
      ws.once("close", () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, "client stop");
      else ws.terminate();
    });
  }

  private clearTimers(conn: Conn): void {
    clearInterval(conn.pingTimer);
    clearTimeout(conn.pongTimer);
    clearTimeout(conn.drainTimer);
    conn.pingTimer = conn.pongTimer = conn.drainTimer = undefined;
  }

  private setConnected(connected: boolean): void {
    if (this.state.connected === connected) return;
    this.state.connected = connected;
    this.state.connectedSince = connected ? new Date().toISOString() : undefined;
    this.emit();
  }

  private recordError(err: unknown): void {
    const code =
      typeof (err as { code?: unknown })?.code === "string"
        ? (err as { code: string }).code
        : "dingtalk_stream_error";
    this.state.lastError = {
      code,
      message: (err as Error)?.message ?? String(err),
      at: new Date().toISOString(),
    };
    this.emit();
  }

  private emit(): void {
    this.opts.onStatus?.(this.status());
  }
}
