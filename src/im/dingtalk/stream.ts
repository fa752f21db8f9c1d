/**
 * DingTalk Stream-mode client on `ws` (why not the official `dingtalk-stream` package:
 * docs/dingtalk-transport.md, "Stream client").
 * Transport only: it acks every frame at once, dedupes robot messages by msgId and hands the parsed
 * callback data to a handler. Connection lifecycle: a fresh ticket per connect, make-before-break on
 * SYSTEM `disconnect`, WS ping/pong liveness, jittered backoff, one reconnect loop at a time.
 */
import WebSocket from "ws";
import { backoffDelay } from "../transport/backoff.js";
import { pinnedLookup } from "../transport/pinned-lookup.js";
import { abortError, sleep } from "../transport/sleep.js";
import { RobotInbox } from "./robot-inbox.js";
import { type Conn, clearTimers, closeConn } from "./stream-conn.js";
import { ackSender, type FrameContext, frameBytes, handleFrame } from "./stream-frames.js";
import {
  DEFAULT_STREAM_TIMING,
  isFatal,
  type StreamClientOptions,
  type StreamStatus,
  type StreamTiming,
} from "./stream-options.js";

export {
  type CallbackMeta,
  DEFAULT_STREAM_TIMING,
  type StreamClientOptions,
  type StreamStatus,
  type StreamTiming,
} from "./stream-options.js";

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
  /** Reading paused by the inbox's backlog (robot-inbox.ts): no pong can be read meanwhile. */
  private readPaused = false;

  private readonly robot: RobotInbox;

  constructor(private readonly opts: StreamClientOptions) {
    this.t = { ...DEFAULT_STREAM_TIMING, ...opts.timing };
    this.robot = new RobotInbox(opts, () => this.started, {
      pause: () => this.setReading(false),
      resume: () => this.setReading(true),
    });
  }

  status(): StreamStatus {
    return { ...this.state };
  }

  /** Robot messages received (acked, journaled) and not yet handled: queued or being handled. */
  get backlog(): number {
    return this.robot.backlog;
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
      const code = typeof (err as { code?: unknown }).code === "string" ? (err as { code: string }).code : "";
      this.reconnect(
        code.startsWith("dingtalk_") ? code : "dingtalk_stream_connect_failed",
        `initial connect failed: ${(err as Error).message}`,
        false,
      );
    }
    if (this.started) this.robot.replay();
  }

  /** Close every socket, clear every timer, end the reconnect loop. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.abort.abort();
    const closing = [...this.conns].map((c) => closeConn(c));
    this.current = undefined;
    this.setConnected(false);
    await Promise.all(closing);
    await this.reconnecting?.catch(() => {});
  }

  private async connectOnce(signal: AbortSignal): Promise<void> {
    const { endpoint, ticket, addresses } = await this.opts.open(signal);
    // Use the endpoint verbatim; the ticket is one-shot.
    const url = `${endpoint}${endpoint.includes("?") ? "&" : "?"}ticket=${encodeURIComponent(ticket)}`;
    // skipUTF8Validation: `ws` would otherwise fail the whole connection (1007) on one frame with
    // invalid UTF-8; we decode it leniently and let the frame decoder judge it.
    const ws = new WebSocket(url, {
      handshakeTimeout: this.t.handshakeTimeoutMs,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      // The guard's approved addresses, not a second DNS answer (transport/pinned-lookup.ts).
      ...(addresses && { lookup: pinnedLookup(addresses) }),
    });
    const id = this.nextId++;
    const log = this.opts.log;
    const frames: FrameContext = {
      id,
      ack: ackSender(ws, id, log),
      robot: this.robot,
      log,
      disconnect: (why) =>
        this.drain(conn, "dingtalk_stream_disconnect", `server disconnect${why ? `: ${why}` : ""}`),
    };
    const conn: Conn = { id, ws, openedAt: 0, draining: false, lastTick: 0, frames };
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

  private setReading(on: boolean): void {
    this.readPaused = !on;
    for (const c of this.conns) {
      if (on) c.ws.resume();
      else c.ws.pause();
    }
  }

  private install(conn: Conn): void {
    const { ws } = conn;
    conn.openedAt = conn.lastTick = Date.now();
    ws.on("close", (code, reason) => this.onClose(conn, code, reason.toString()));
    ws.on("error", (err) => this.opts.log(`stream #${conn.id} socket error: ${err.message}`));
    this.conns.add(conn);
    if (this.readPaused) ws.pause();
    this.current = conn;
    conn.pingTimer = setInterval(() => this.tick(conn), this.t.pingIntervalMs);
    this.opts.log(`stream #${conn.id} connected`);
    this.setConnected(true);
  }

  /** Liveness: ping, expect a pong (or any frame) within pongTimeoutMs. */
  private tick(conn: Conn): void {
    const now = Date.now();
    const late = now - conn.lastTick - this.t.pingIntervalMs;
    conn.lastTick = now;
    if (late > this.t.clockJumpMs && !conn.draining) {
      // Sleep/wake or a stalled process: the socket may be dead without knowing it. Open a new
      // connection at once and let this one drain (a live old socket still delivers meanwhile).
      this.drain(conn, "dingtalk_stream_clock_jump", `timers ran ${late} ms late (sleep/wake?)`);
      return;
    }
    // Not reading (our own backlog): a pong could not arrive; liveness waits until reading goes on.
    if (conn.pongTimer || this.readPaused) return;
    conn.pongTimer = setTimeout(() => {
      conn.why = {
        code: "dingtalk_stream_zombie",
        reason: `no pong within ${this.t.pongTimeoutMs} ms (zombie socket)`,
      };
      this.opts.log(`stream #${conn.id}: ${conn.why.reason}`);
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
    // Proven healthy: up for healthyAfterMs and still answering. Earlier failures are history.
    if (this.failures > 0 && conn === this.current && Date.now() - conn.openedAt >= this.t.healthyAfterMs) {
      this.failures = 0;
    }
  }

  private onClose(conn: Conn, code: number, reason: string): void {
    clearTimers(conn);
    this.conns.delete(conn);
    if (Date.now() - conn.openedAt >= this.t.healthyAfterMs) this.failures = 0;
    const closed = `socket closed (${code}${reason ? ` ${reason}` : ""})`;
    this.opts.log(`stream #${conn.id} closed (${code}${reason ? ` ${reason}` : ""})`);
    if (!this.started || conn !== this.current) return; // stopping, or a drained socket
    this.current = undefined;
    this.setConnected(false);
    const why = conn.why ?? { code: "dingtalk_stream_closed", reason: closed };
    // A zombie was found by a missed pong: the gateway answered when this socket opened, and the
    // detection itself (ping interval + pong timeout) already spaces these reconnects out. Waiting
    // out a backoff on top would only lengthen the offline gap, so reconnect at once (with jitter).
    this.reconnect(why.code, why.reason, why.code === "dingtalk_stream_zombie");
  }

  /**
   * Make-before-break: connect a replacement now, keep handling frames on the old
   * socket until the server closes it or drainMs passes. Used for SYSTEM disconnect and clock jumps.
   */
  private drain(conn: Conn, code: string, reason: string): void {
    if (conn.draining) return;
    conn.draining = true;
    clearTimeout(conn.pongTimer);
    conn.pongTimer = undefined;
    conn.drainTimer = setTimeout(() => conn.ws.terminate(), this.t.drainMs);
    if (this.current === conn) {
      this.current = undefined;
      this.setConnected(false);
    }
    this.reconnect(code, reason, true);
  }

  /** Single-flight reconnect loop with jittered exponential backoff. */
  private reconnect(code: string, reason: string, immediate: boolean): void {
    if (!this.started || this.reconnecting) return;
    this.state.reconnects++;
    this.state.lastReconnectReason = reason;
    this.opts.log(`stream reconnecting (${code}): ${reason}`);
    // `cccc im status` shows the last error: the cause of the latest reconnect is what a user needs.
    this.recordError({ code, message: `reconnect #${this.state.reconnects}: ${reason}` });
    const signal = this.abort.signal;
    this.reconnecting = (async () => {
      let delay = immediate
        ? Math.random() * this.t.disconnectJitterMs
        : backoffDelay({ baseMs: this.t.backoffBaseMs, maxMs: this.t.backoffMaxMs }, this.failures);
      while (this.started && !signal.aborted) {
        try {
          await sleep(delay, signal);
          await this.connectOnce(signal);
          this.opts.log(`stream reconnected after: ${reason}`);
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
          delay = backoffDelay({ baseMs: this.t.backoffBaseMs, maxMs: this.t.backoffMaxMs }, this.failures);
          this.opts.log(`stream connect failed (${(err as Error).message}); next try in ${delay} ms`);
        }
      }
    })().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private onFrame(conn: Conn, raw: WebSocket.RawData): void {
    this.alive(conn);
    if (this.started) handleFrame(frameBytes(raw), conn.frames);
  }

  private setConnected(connected: boolean): void {
    if (this.state.connected === connected) return;
    this.state.connected = connected;
    this.state.connectedSince = connected ? new Date().toISOString() : undefined;
    this.emit();
  }

  private recordError(err: { code?: unknown; message?: unknown } | unknown): void {
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
