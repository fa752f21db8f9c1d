import { spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync } from "node:fs";
import type { BodyOf, ResponseOf } from "../contract/api.js";
// The route table only (no zod): the CLI's startup stays small (docs/bench.md).
import { type PathParams, pathOf, ROUTES, type RouteName } from "../contract/routes.js";
import { CcccError } from "../kernel/errors.js";
import { Home } from "../kernel/home.js";
import { CLI_ENTRY } from "../version.js";
import { daemonArgv, daemonEnv } from "./daemon-launch.js";
import { httpRequest, type LiteResponse } from "./http-lite.js";

export interface ClientOptions {
  home?: Home;
  env?: NodeJS.ProcessEnv;
  /** Start the daemon in the background when it is not running (default: yes, unless CCCC_NO_AUTOSTART=1). */
  autostart?: boolean;
}

/** The daemon's API errors, carried to the caller with their code. */
export class ApiError extends CcccError {}

/** The daemon is not running and may not be started. */
export class DaemonDownError extends CcccError {
  constructor(home: Home) {
    super(
      "daemon_not_running",
      `The CCCC daemon is not running for ${home.root}. Start it with "cccc daemon start" (or just "cccc").`,
      503,
    );
  }
}

/** Talks to the daemon of one CCCC home over HTTP; the CLI and the MCP server both use it. */
export class DaemonClient {
  readonly home: Home;
  private readonly env: NodeJS.ProcessEnv;
  private readonly autostart: boolean;
  private baseUrl: string | undefined;
  /** `baseUrl` came from endpoint.json without a health check and no request has reached it yet. */
  private unverified = false;

  constructor(opts: ClientOptions = {}) {
    this.env = opts.env ?? process.env;
    this.home = opts.home ?? Home.fromEnv(this.env);
    this.autostart = opts.autostart ?? this.env.CCCC_NO_AUTOSTART !== "1";
  }

  /** The running daemon's URL from daemon/endpoint.json, if it answers. */
  async findDaemon(): Promise<string | undefined> {
    const text = this.endpointText();
    if (!text) return undefined;
    let url: string;
    try {
      url = (JSON.parse(text) as { url: string }).url;
    } catch {
      return undefined;
    }
    const ok = await httpRequest(new URL("api/v1/health", url), { timeoutMs: 2000 })
      .then((r) => r.ok)
      .catch(() => false);
    return ok ? url : undefined;
  }

  /** Start `cccc daemon run` detached, logging to daemon/daemon.log, and wait until it answers. */
  async startDaemon(timeoutMs = 15_000): Promise<string> {
    mkdirSync(this.home.daemonDir, { recursive: true });
    const out = openSync(`${this.home.daemonLog}`, "a");
    const child = spawn(process.execPath, daemonArgv(CLI_ENTRY), {
      detached: true,
      stdio: ["ignore", out, out],
      env: daemonEnv({ ...this.env, CCCC_HOME: this.home.root }),
    });
    child.unref();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const url = await this.findDaemon();
      if (url) return url;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new CcccError(
      "daemon_start_failed",
      `The CCCC daemon did not start; see ${this.home.daemonLog} for the reason.`,
      503,
    );
  }

  /**
   * The URL in daemon/endpoint.json when the process it names is alive, without asking it anything:
   * saves each CLI command a health round trip (docs/bench.md, "CLI"). `request` falls back to
   * `findDaemon` when that URL refuses the connection.
   */
  private liveEndpoint(): string | undefined {
    const text = this.endpointText();
    try {
      const { url, pid } = JSON.parse(text ?? "") as { url?: unknown; pid?: unknown };
      if (typeof url !== "string" || typeof pid !== "number") return undefined;
      process.kill(pid, 0); // throws when no such process (or not ours: then ask the slow way)
      return url;
    } catch {
      return undefined;
    }
  }

  /**
   * daemon/endpoint.json, read synchronously (a few hundred bytes; every command reads it, and
   * `node:fs/promises` costs a few ms to load: docs/bench.md, "CLI"); undefined when missing.
   */
  private endpointText(): string | undefined {
    try {
      return readFileSync(this.home.endpointFile, "utf8");
    } catch {
      return undefined;
    }
  }

  private async url(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const live = this.liveEndpoint();
    this.unverified = live !== undefined;
    this.baseUrl = live ?? (await this.findOrStart());
    return this.baseUrl;
  }

  private async findOrStart(): Promise<string> {
    const found = await this.findDaemon();
    if (found) return found;
    if (this.autostart) return this.startDaemon();
    throw new DaemonDownError(this.home);
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const base = await this.url();
    const isBytes = Buffer.isBuffer(body);
    let res: LiteResponse;
    try {
      res = await httpRequest(new URL(path.replace(/^\//, ""), base), {
        method,
        headers:
          body === undefined
            ? {}
            : { "content-type": isBytes ? "application/octet-stream" : "application/json" },
        body: body === undefined ? undefined : isBytes ? body : JSON.stringify(body),
      });
    } catch (err) {
      // The daemon may come back on another port: find it again next time.
      this.baseUrl = undefined;
      if (this.unverified && (err as NodeJS.ErrnoException).code === "ECONNREFUSED") {
        // endpoint.json named a live pid but nothing listens there (a stale file, a reused pid):
        // the request never left, so it is safe to find (or start) the daemon and send it once more.
        this.unverified = false;
        this.baseUrl = await this.findOrStart();
        return this.request<T>(method, path, body);
      }
      throw new DaemonDownError(this.home);
    }
    this.unverified = false;
    const text = res.text;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(
        "bad_response",
        `The daemon answered ${res.status} with something that is not JSON.`,
        res.status,
      );
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } }).error;
      throw new ApiError(err?.code ?? "http_error", err?.message ?? `HTTP ${res.status}`, res.status);
    }
    return json as T;
  }

  /**
   * Call route `name` of the wire contract (src/contract/): the path is built from `params`, the
   * body and the answer are typed by the contract. A POST without a body sends `{}`.
   */
  call<N extends RouteName>(
    name: N,
    params: PathParams<N>,
    body?: BodyOf<N>,
    query?: Record<string, string | number | undefined>,
  ): Promise<ResponseOf<N>> {
    const { method } = ROUTES[name];
    return this.request(method, pathOf(name, params, query), body ?? (method === "POST" ? {} : undefined));
  }

  get<T = Record<string, unknown>>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }
  post<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  /** The raw SSE response of a group's ledger stream. */
  async stream(groupId: string, after: number, signal?: AbortSignal): Promise<Response> {
    const base = await this.url();
    return fetch(new URL(`api/v1/groups/${groupId}/stream?after=${after}`, base), { signal });
  }
}
