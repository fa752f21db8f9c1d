/** One Stream connection of the client (stream.ts): its state and timers, and closing it. */
import WebSocket from "ws";
import type { FrameContext } from "./stream-frames.js";

export interface Conn {
  id: number;
  ws: WebSocket;
  openedAt: number;
  draining: boolean;
  lastTick: number;
  /** Why we are terminating this socket, so the close handler reports the real cause. */
  why?: { code: string; reason: string };
  pingTimer?: NodeJS.Timeout;
  pongTimer?: NodeJS.Timeout;
  drainTimer?: NodeJS.Timeout;
  /** Its side of frame handling (stream-frames.ts). */
  frames: FrameContext;
}

/** Close gracefully (terminate after 1 s); resolves once closed. Clears the connection's timers. */
export function closeConn(conn: Conn): Promise<void> {
  clearTimers(conn);
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

export function clearTimers(conn: Conn): void {
  clearInterval(conn.pingTimer);
  clearTimeout(conn.pongTimer);
  clearTimeout(conn.drainTimer);
  conn.pingTimer = conn.pongTimer = conn.drainTimer = undefined;
}
