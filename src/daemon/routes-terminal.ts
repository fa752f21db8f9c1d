/**
 * `GET /api/v1/groups/:gid/actors/:aid/terminal/ws`: a WebSocket onto an actor's terminal.
 * Server → client: a JSON `hello` text frame, then output as binary frames (retained output first,
 * then live); JSON `exit` when the process ends. Client → server: binary frames (or non-control
 * text) are keystrokes; `{"type":"resize","cols":…,"rows":…}` resizes. Headless actors stream
 * their log file, read-only. Protocol and close codes: docs/api.md.
 */
import { open, stat } from "node:fs/promises";
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { FastifyInstance } from "fastify";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import {
  CLOSE_NOT_AVAILABLE,
  CLOSE_TOO_SLOW,
  type TerminalExit,
  type TerminalHello,
  type TerminalResize,
} from "../contract/terminal.js";
import type { DaemonContext, LiveTerminal } from "./context.js";
import { refusal } from "./guard.js";

const ROUTE = /^\/api\/v1\/groups\/([^/]+)\/actors\/([^/]+)\/terminal\/ws$/;
/** Retained output sent on connect when the client gives no cursor. */
export const TAIL_BYTES = 256 * 1024;
/** A client this far behind is dropped (4408); it reconnects with its cursor and catches up. */
const MAX_BUFFERED = 4 * 1024 * 1024;
const LOG_POLL_MS = 250;
const PING_MS = 30_000;

/**
 * Answers a terminal emulator sends to queries (cursor position `ESC[r;cR`, device attributes
 * `ESC[?…c`). Every watching xterm answers; only the newest viewer's answers reach the program.
 */
const QUERY_ANSWERS = new RegExp(`${String.fromCharCode(27)}\\[\\??[\\d;]*[Rc]`, "g");

interface Query {
  cursor: number | undefined;
  session: string | undefined;
}

export function terminalRoutes(
  app: FastifyInstance,
  ctx: DaemonContext,
  host: string,
  boundPort: () => number,
): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://daemon");
    const match = ROUTE.exec(url.pathname);
    if (!match) {
      // Leave the socket to another upgrade handler if there is one.
      if (app.server.listenerCount("upgrade") === 1)
        reject(socket, 404, "not_found", `No WebSocket route ${url.pathname}.`);
      return;
    }
    // Upgrades skip Fastify's hooks: the same Host/Origin checks as the HTTP API, here.
    const refused = refusal(host, boundPort(), req.headers, true);
    if (refused) return reject(socket, 403, refused.code, refused.message);
    let gid: string;
    let aid: string;
    try {
      [gid, aid] = [decodeURIComponent(match[1] ?? ""), decodeURIComponent(match[2] ?? "")];
    } catch {
      return reject(socket, 400, "bad_request", "Malformed percent-encoding in the path.");
    }
    const cursor = Number(url.searchParams.get("cursor") ?? Number.NaN);
    const query: Query = {
      cursor: Number.isSafeInteger(cursor) && cursor >= 0 ? cursor : undefined,
      session: url.searchParams.get("session") ?? undefined,
    };
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        connect(ctx, ws, gid, aid, query);
      } catch (err) {
        ctx.log(`terminal ${gid}/${aid}: ${(err as Error).stack ?? err}`);
        ws.close(1011, "internal error");
      }
    });
  };
  // An exception in an "upgrade" listener would take the whole daemon down.
  const safeUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      onUpgrade(req, socket, head);
    } catch (err) {
      ctx.log(`terminal upgrade ${req.url}: ${(err as Error).stack ?? err}`);
      socket.destroy();
    }
  };
  app.server.on("upgrade", safeUpgrade);

  app.addHook("preClose", async () => {
    app.server.off("upgrade", safeUpgrade);
    const sockets = [...wss.clients];
    for (const ws of sockets) ws.close(1001, "daemon stopping");
    const deadline = Date.now() + 1000;
    while (sockets.some((ws) => ws.readyState !== ws.CLOSED) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const ws of sockets) ws.terminate();
    wss.close();
  });
}

function reject(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Close reasons are limited to 123 bytes. */
function closeReason(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

function connect(ctx: DaemonContext, ws: WebSocket, gid: string, aid: string, query: Query): void {
  ws.on("error", (err) => ctx.log(`terminal ${gid}/${aid}: ${err.message}`));
  let alive = true;
  ws.on("pong", () => {
    alive = true;
  });
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, PING_MS);
  ws.on("close", () => clearInterval(ping));

  let target: ReturnType<DaemonContext["actors"]["terminal"]>;
  try {
    target = ctx.actors.terminal(ctx.kernel.group(gid), aid);
  } catch (err) {
    const code = (err as { code?: string }).code ?? "error";
    ws.close(CLOSE_NOT_AVAILABLE, closeReason(`${code}: ${(err as Error).message}`));
    return;
  }
  if (target?.kind === "log") followLog(ws, target.path, target.running, query);
  else if (target?.terminal.running) watchPty(ws, target.terminal, query);
  else ws.close(CLOSE_NOT_AVAILABLE, closeReason(`actor_not_running: start ${aid} to see its terminal.`));
}

/** Drop a partial first line when the output was cut, so the view starts at a line boundary. */
function alignToLine(data: Buffer, from: number): { data: Buffer; from: number } {
  if (from === 0) return { data, from };
  const nl = data.subarray(0, 4096).indexOf(0x0a);
  return nl === -1 ? { data, from } : { data: data.subarray(nl + 1), from: from + nl + 1 };
}

function rawToBuffer(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  return Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
}

function parseControl(text: string): TerminalResize | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const msg = JSON.parse(text) as Partial<TerminalResize>;
    if (msg.type === "resize" && Number.isFinite(msg.cols) && Number.isFinite(msg.rows))
      return msg as TerminalResize;
  } catch {
    // Not JSON: keystrokes.
  }
  return undefined;
}

/** Viewers of each terminal, oldest first. */
const viewers = new WeakMap<LiveTerminal, WebSocket[]>();

function watchPty(ws: WebSocket, term: LiveTerminal, query: Query): void {
  const session = `${term.pid ?? 0}-${term.startedAt ?? 0}`;
  const resume = query.cursor !== undefined && (query.session === undefined || query.session === session);
  let snap: { data: Buffer; from: number; truncated: boolean };
  if (resume) {
    snap = term.read(query.cursor);
  } else {
    const end = term.read(Number.POSITIVE_INFINITY).cursor; // reading from "beyond the end" returns no bytes
    const read = term.read(Math.max(0, end - TAIL_BYTES));
    snap = { ...alignToLine(read.data, read.from), truncated: read.from > 0 };
  }
  const hello: TerminalHello = {
    type: "hello",
    runner: "pty",
    session,
    from: snap.from,
    truncated: snap.truncated,
    writable: true,
    cols: term.cols,
    rows: term.rows,
  };
  ws.send(JSON.stringify(hello));
  if (snap.data.length > 0) ws.send(snap.data);

  const detachViewer = term.attachViewer();
  const others = viewers.get(term) ?? [];
  viewers.set(term, [...others, ws]);
  const offData = term.onData((data) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.from(data, "utf8"));
    if (ws.bufferedAmount > MAX_BUFFERED) ws.close(CLOSE_TOO_SLOW, "too_slow: reconnect with your cursor.");
  });
  const offExit = term.onExit((info) => {
    if (ws.readyState !== ws.OPEN) return;
    const exit: TerminalExit = { type: "exit", code: info.code, signal: info.signal };
    ws.send(JSON.stringify(exit));
    ws.close(CLOSE_NOT_AVAILABLE, "actor_exited: the process ended.");
  });
  const decoder = new StringDecoder("utf8");
  ws.on("message", (raw, isBinary) => {
    const buf = rawToBuffer(raw);
    let text: string;
    if (isBinary) {
      text = decoder.write(buf);
    } else {
      text = buf.toString("utf8");
      const control = parseControl(text);
      if (control) return term.resize(control.cols, control.rows);
    }
    if (viewers.get(term)?.at(-1) !== ws) text = text.replace(QUERY_ANSWERS, "");
    if (text.length === 0 || !term.running) return;
    try {
      term.write(text);
    } catch {
      // The process just exited; onExit closes the socket.
    }
  });
  ws.on("close", () => {
    viewers.set(
      term,
      (viewers.get(term) ?? []).filter((v) => v !== ws),
    );
    offData();
    offExit();
    detachViewer();
  });
}

async function fileSize(path: string): Promise<number | undefined> {
  return (await fileId(path))?.size;
}

async function fileId(path: string): Promise<{ size: number; ino: number } | undefined> {
  try {
    const s = await stat(path);
    return { size: s.size, ino: s.ino };
  } catch {
    return undefined;
  }
}

async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(to - from);
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A headless actor has no terminal: send the tail of its log file and poll for what is appended. */
function followLog(ws: WebSocket, path: string, running: boolean, query: Query): void {
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  ws.on("close", () => clearInterval(timer));
  void (async () => {
    const size = await fileSize(path);
    if (size === undefined && !running) {
      return ws.close(CLOSE_NOT_AVAILABLE, "actor_not_running: no output yet; start the actor.");
    }
    const end = size ?? 0;
    const resume = query.cursor !== undefined && query.session === "log" && query.cursor <= end;
    let position = resume ? (query.cursor as number) : Math.max(0, end - TAIL_BYTES);
    const first = alignToLine(await readRange(path, position, end).catch(() => Buffer.alloc(0)), position);
    if (ws.readyState !== ws.OPEN) return;
    const hello: TerminalHello = {
      type: "hello",
      runner: "headless",
      session: "log",
      from: first.from,
      truncated: !resume && first.from > 0,
      writable: false,
    };
    ws.send(JSON.stringify(hello));
    if (first.data.length > 0) ws.send(first.data);
    position = first.from + first.data.length;
    let ino = (await fileId(path))?.ino;
    timer = setInterval(async () => {
      if (busy || ws.bufferedAmount > MAX_BUFFERED) return;
      busy = true;
      try {
        const id = await fileId(path);
        const now = id?.size ?? 0;
        // Rotated (a new file, docs/runners.md) or truncated by hand: start over at its beginning.
        if (now < position || (id && ino !== undefined && id.ino !== ino)) position = 0;
        if (id) ino = id.ino;
        if (now > position && ws.readyState === ws.OPEN) {
          const chunk = await readRange(path, position, Math.min(now, position + TAIL_BYTES));
          position += chunk.length;
          ws.send(chunk);
        }
      } catch {
        // The file vanished (actor removed); keep polling until the socket closes.
      } finally {
        busy = false;
      }
    }, LOG_POLL_MS);
    // Keystrokes to a headless actor are ignored: it has no terminal.
  })();
}
