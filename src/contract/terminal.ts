/**
 * The terminal WebSocket's messages and close codes (docs/api.md, "Terminal WebSocket"), shared by
 * the daemon (src/daemon/routes-terminal.ts) and the Web UI (web/src/components/terminal/). No
 * imports: the Web UI takes the close codes from this file, not the contract's index (which loads zod).
 */

/** Closed by the daemon: the actor has no terminal now (not running, exited, unknown). */
export const CLOSE_NOT_AVAILABLE = 4404;
/** Closed by the daemon: the client fell too far behind; reconnect with the cursor. */
export const CLOSE_TOO_SLOW = 4408;

/** Server → client, the first text frame. */
export interface TerminalHello {
  type: "hello";
  runner: "pty" | "headless";
  /** Identifies this process's output; a cursor is only meaningful within one session. */
  session: string;
  /** Byte cursor of the first byte that follows; add the bytes received to get the next cursor. */
  from: number;
  /** Output between the requested cursor and `from` is no longer retained. */
  truncated: boolean;
  writable: boolean;
  cols?: number;
  rows?: number;
}

/** Server → client, when the process ends (then closed with CLOSE_NOT_AVAILABLE). */
export interface TerminalExit {
  type: "exit";
  code: number | null;
  signal: string | null;
}

/** Client → server: resize the terminal. */
export interface TerminalResize {
  type: "resize";
  cols: number;
  rows: number;
}
