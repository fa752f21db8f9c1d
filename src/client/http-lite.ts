/**
 * A minimal HTTP/1.1 client over `node:net` for the CLI's calls to the local daemon: one request
 * per connection (`Connection: close`), the answer read by `http-parse.ts`. Node's `fetch` loads
 * undici on first use (~40 MiB and a few hundred ms per process), and `node:http` loads its
 * `_http_*` modules, the agent and the parser binding: several ms of every command's start
 * (docs/bench.md, "CLI"). The daemon is on loopback and answers small JSON; this is all a command needs.
 */
import { connect } from "node:net";
import { readResponse } from "./http-parse.js";

export interface LiteResponse {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  text: string;
}

export interface LiteRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Give up after this long (the whole exchange). */
  timeoutMs?: number;
}

/** A header name or value that would break the request's framing. */
const UNSAFE = /[\r\n\0]/;

export function httpRequest(url: URL, init: LiteRequest = {}): Promise<LiteResponse> {
  if (url.protocol !== "http:") {
    return Promise.reject(new Error(`http-lite speaks plain http only, not ${url.protocol} (${url.origin})`));
  }
  const method = init.method ?? "GET";
  const body = typeof init.body === "string" ? Buffer.from(init.body) : init.body;
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, "Connection: close"];
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (UNSAFE.test(name) || UNSAFE.test(value) || name.includes(":")) {
      return Promise.reject(new Error(`bad request header ${JSON.stringify(name)}`));
    }
    lines.push(`${name}: ${value}`);
  }
  if (body !== undefined) lines.push(`Content-Length: ${body.byteLength}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  if (UNSAFE.test(url.pathname + url.search)) return Promise.reject(new Error("bad request path"));

  return new Promise((resolve, reject) => {
    // URL keeps IPv6 hosts in brackets; net.connect wants them bare.
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const socket = connect({ host, port: Number(url.port || 80) });
    let chunks: Buffer[] = [];
    let received = 0;
    let need = 0;
    let settled = false;
    const timer =
      init.timeoutMs === undefined
        ? undefined
        : setTimeout(() => fail(new Error(`timed out after ${init.timeoutMs} ms`)), init.timeoutMs);

    function finish(ended: boolean): void {
      if (settled || (!ended && received < need)) return;
      if (chunks.length > 1) chunks = [Buffer.concat(chunks, received)];
      let parsed: ReturnType<typeof readResponse>;
      try {
        parsed = readResponse(chunks[0] ?? Buffer.alloc(0), ended, method === "HEAD");
      } catch (err) {
        fail(err as Error);
        return;
      }
      if (typeof parsed === "number") {
        need = parsed; // no new attempt before that many bytes (large bodies come in many chunks)
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const { status, headers } = parsed;
      resolve({ status, ok: status >= 200 && status < 300, headers, text: parsed.body.toString("utf8") });
    }
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    }

    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("error", fail);
    socket.on("close", () => finish(true));
    socket.write(body === undefined ? head : Buffer.concat([head, body]));
  });
}
