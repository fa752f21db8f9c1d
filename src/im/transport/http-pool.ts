/**
 * Keep-alive HTTP client for outbound platform calls (transport kit), on `node:http`/`node:https`
 * rather than `fetch`: `fetch` loads undici (5–10 MiB of the daemon's memory) and, against a server
 * that keeps connections, a fresh connection per call cost a few ms of CPU each (docs/bench.md,
 * "Ingest"). One agent per origin: at most `maxSockets` connections, at most `maxFreeSockets` of
 * them kept idle, each closed after `idleMs` without a request. The most recently used idle one is
 * taken first, so a trickle of calls keeps one warm and the rest of a burst's connections expire. Redirects are never
 * followed here (the caller checks every hop). A request with `addresses` connects only to those (the
 * ones its URL check approved: pinned-lookup.ts), and its kept-alive sockets are pooled apart from
 * any other set's, so a reused connection never bypasses the check either. `close()` destroys every
 * socket (STYLE.md rule 7).
 */
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { pinKey, pinnedLookup } from "./pinned-lookup.js";
import { abortError } from "./sleep.js";

export interface PoolOptions {
  /** Connections per origin at once (default 8); more requests wait for a free one. */
  maxSockets?: number;
  /**
   * Idle connections kept per origin (default `maxSockets`): fewer would close and reopen
   * connections between the waves of a paced burst (20 calls/s per API).
   */
  maxFreeSockets?: number;
  /** An idle connection is closed after this long (default 4 s, under Node's 5 s server default). */
  idleMs?: number;
}

export interface PoolRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts the request, including the body still being read. */
  signal?: AbortSignal;
  /** The whole exchange, body included; rejects with a `TimeoutError`. */
  timeoutMs?: number;
  /** Refuse a body larger than this (declared or as it streams): `ResponseTooLargeError`. */
  maxBytes?: number;
  /**
   * Connect only to these addresses (what the URL check approved), never to a fresh DNS answer;
   * TLS still verifies the certificate for the URL's host name. Unset: resolve the name as usual.
   */
  addresses?: readonly string[];
}

export interface PoolResponse {
  status: number;
  statusText: string;
  /** Lower-case names, as Node parses them. */
  headers: IncomingHttpHeaders;
  body: Buffer;
  header(name: string): string | undefined;
  text(): string;
  /** The body as JSON; throws on invalid JSON. */
  json(): unknown;
}

export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  constructor(
    readonly maxBytes: number,
    readonly status: number,
  ) {
    super(`response body larger than ${maxBytes} bytes`);
  }
}

/** A reused idle connection the server closed meanwhile: nothing was answered, so try a fresh one. */
const STALE = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
const MAX_STALE_RETRIES = 3;

export class HttpPool {
  private readonly agents = new Map<string, http.Agent>();
  private closed = false;

  constructor(private readonly options: PoolOptions = {}) {}

  async request(req: PoolRequest): Promise<PoolResponse> {
    for (let stale = 0; ; stale++) {
      try {
        return await this.once(req);
      } catch (err) {
        const e = err as Error & { code?: string; reusedSocket?: boolean };
        if (!e.reusedSocket || !STALE.has(e.code ?? "") || stale >= MAX_STALE_RETRIES) throw err;
        if (req.signal?.aborted || this.closed) throw err;
      }
    }
  }

  /** Connections per origin right now: in use and idle (tests, diagnostics). */
  sockets(): { open: number; idle: number } {
    let open = 0;
    let idle = 0;
    for (const agent of this.agents.values()) {
      for (const list of Object.values(agent.sockets)) open += list?.length ?? 0;
      for (const list of Object.values(agent.freeSockets)) idle += list?.length ?? 0;
    }
    return { open: open + idle, idle };
  }

  /** Destroys every connection, idle or in use; later requests are refused. */
  close(): void {
    this.closed = true;
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(url: URL): http.Agent {
    let agent = this.agents.get(url.origin);
    if (!agent) {
      const opts: http.AgentOptions = {
        keepAlive: true,
        maxSockets: this.options.maxSockets ?? 8,
        maxFreeSockets: this.options.maxFreeSockets ?? this.options.maxSockets ?? 8,
        // On an idle (free) socket the agent destroys it when this fires; in-use sockets ignore it.
        timeout: this.options.idleMs ?? 4_000,
        scheduling: "lifo",
      };
      agent = url.protocol === "https:" ? new PinnedHttpsAgent(opts) : new PinnedHttpAgent(opts);
      this.agents.set(url.origin, agent);
    }
    return agent;
  }

  private once(r: PoolRequest): Promise<PoolResponse> {
    if (this.closed) return Promise.reject(new Error("the HTTP client was closed"));
    if (r.signal?.aborted) return Promise.reject(abortError(r.signal));
    const send = r.url.protocol === "https:" ? https.request : http.request;
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers["content-length"] = Buffer.byteLength(r.body);
    return new Promise<PoolResponse>((resolve, reject) => {
      let settled = false;
      let answered = false;
      const pin = r.addresses && { lookup: pinnedLookup(r.addresses), pin: pinKey(r.addresses) };
      const req = send(r.url, { method: r.method, headers, agent: this.agentFor(r.url), ...pin });
      const finish = (err: Error | undefined, res?: PoolResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.signal?.removeEventListener("abort", onAbort);
        if (err) {
          const code = (err as { code?: string }).code ?? "";
          if (req.reusedSocket && !answered && STALE.has(code)) Object.assign(err, { reusedSocket: true });
          req.destroy();
          reject(err);
        } else if (res) resolve(res);
      };
      const onAbort = () => finish(abortError(r.signal));
      r.signal?.addEventListener("abort", onAbort, { once: true });
      const timer =
        r.timeoutMs === undefined
          ? undefined
          : setTimeout(() => finish(timeoutError(r.timeoutMs ?? 0)), r.timeoutMs);
      req.on("error", (err) => finish(err));
      req.on("response", (res) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const max = r.maxBytes;
        if (max !== undefined && Number(res.headers["content-length"] ?? Number.NaN) > max) {
          finish(new ResponseTooLargeError(max, status));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on("data", (chunk: Buffer) => {
          total += chunk.length;
          if (max !== undefined && total > max) finish(new ResponseTooLargeError(max, status));
          else chunks.push(chunk);
        });
        res.on("error", (err) => finish(err));
        res.on("close", () => {
          if (!res.complete) finish(resetError("the connection closed before the whole answer arrived"));
        });
        res.on("end", () => finish(undefined, answer(status, res.statusMessage ?? "", res.headers, chunks)));
      });
      req.end(r.body);
    });
  }
}

/**
 * Node pools sockets by `getName(options)` (host, port, TLS options); a pinned request's name also
 * carries its approved addresses, so it only reuses a socket that was connected to one of them.
 */
function withPin(name: string, options: object | undefined): string {
  const pin = (options as { pin?: string } | undefined)?.pin;
  return pin === undefined ? name : `${name}|pin=${pin}`;
}

class PinnedHttpAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs): string {
    return withPin(super.getName(options), options);
  }
}

class PinnedHttpsAgent extends https.Agent {
  override getName(options?: https.RequestOptions): string {
    return withPin(super.getName(options), options);
  }
}

function answer(status: number, statusText: string, headers: IncomingHttpHeaders, chunks: Buffer[]) {
  const body = Buffer.concat(chunks);
  return {
    status,
    statusText,
    headers,
    body,
    header(name: string): string | undefined {
      const v = headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(", ") : v;
    },
    text: () => body.toString("utf8"),
    json: () => JSON.parse(body.toString("utf8")) as unknown,
  };
}

function timeoutError(ms: number): Error {
  const err = new Error(`no complete answer within ${ms} ms`);
  err.name = "TimeoutError";
  return err;
}

function resetError(message: string): Error {
  return Object.assign(new Error(message), { code: "ECONNRESET" });
}
