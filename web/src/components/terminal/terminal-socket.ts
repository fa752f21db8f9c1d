/**
 * One actor's terminal WebSocket (docs/api.md, "Terminal WebSocket"), reconnecting by itself.
 * Remembers the session and byte cursor so a reconnect to the same process continues where it
 * left off instead of replaying the tail; a new process (or lost output) means "start over".
 */
import {
  CLOSE_NOT_AVAILABLE,
  type TerminalExit,
  type TerminalHello,
  type TerminalResize,
} from "../../../../src/contract/terminal.ts";

export type SocketState = "connecting" | "live" | "unavailable" | "reconnecting" | "closed";

export interface TerminalSocketHandlers {
  /** `restart` is true when the output that follows does not continue what was shown. */
  hello(hello: TerminalHello, restart: boolean): void;
  output(bytes: Uint8Array): void;
  exit(code: number | null, signal: string | null): void;
  state(state: SocketState, detail: string): void;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;
const UNAVAILABLE_RETRY_MS = 5_000;

export class TerminalSocket {
  private ws: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoff = MIN_BACKOFF_MS;
  private session: string | undefined;
  private cursor = 0;
  private disposed = false;
  private current: SocketState = "connecting";

  constructor(
    private readonly path: string,
    private readonly on: TerminalSocketHandlers,
  ) {
    this.connect();
  }

  /** Keystrokes (as typed, UTF-8) or raw bytes. Dropped while not connected. */
  send(data: string | Uint8Array): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  resize(cols: number, rows: number): void {
    if (this.ws?.readyState === WebSocket.OPEN)
      this.ws.send(JSON.stringify({ type: "resize", cols, rows } satisfies TerminalResize));
  }

  /** Try again now (e.g. the actor was just started) unless a connection is open or opening. */
  retry(): void {
    if (this.disposed || this.ws) return;
    clearTimeout(this.timer);
    this.connect();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, "viewer closed");
    this.setState("closed", "");
  }

  private setState(state: SocketState, detail: string): void {
    this.current = state;
    this.on.state(state, detail);
  }

  private url(): string {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const query = this.session ? `?cursor=${this.cursor}&session=${encodeURIComponent(this.session)}` : "";
    return `${scheme}//${window.location.host}${this.path}${query}`;
  }

  private connect(): void {
    // A quiet retry while the actor is not running keeps saying so until it answers.
    if (this.current !== "unavailable") this.setState(this.session ? "reconnecting" : "connecting", "");
    const ws = new WebSocket(this.url());
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (this.ws !== ws) return;
      if (typeof event.data !== "string") {
        const bytes = new Uint8Array(event.data);
        this.cursor += bytes.length;
        this.on.output(bytes);
        return;
      }
      const msg = JSON.parse(event.data) as { type?: string };
      if (msg.type === "hello") {
        const hello = msg as TerminalHello;
        const restart = hello.session !== this.session || hello.from !== this.cursor;
        this.session = hello.session;
        this.cursor = hello.from;
        this.backoff = MIN_BACKOFF_MS;
        this.on.hello(hello, restart);
        this.setState("live", hello.writable ? "" : "read-only");
      } else if (msg.type === "exit") {
        const exit = msg as TerminalExit;
        this.on.exit(exit.code, exit.signal);
      }
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.disposed) return;
      if (event.code === CLOSE_NOT_AVAILABLE) {
        this.setState("unavailable", event.reason);
        this.schedule(UNAVAILABLE_RETRY_MS);
      } else {
        this.setState("reconnecting", "");
        this.schedule(this.backoff);
        this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      }
    };
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.disposed && !this.ws) this.connect();
    }, ms);
  }
}
