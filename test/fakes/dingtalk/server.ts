/**
 * A fake DingTalk on loopback speaking the real wire protocol (protocol §7): one HTTP server serves
 * both the new API and the legacy "oapi" paths plus the Stream WebSocket. Tests drive it through
 * `FakeDingTalk` and point CCCC_DINGTALK_API_BASE / CCCC_DINGTALK_OAPI_BASE at `apiBase`/`oapiBase`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { FakeCard, FakeCardOptions, FakeCards } from "./card-state.js";
import { readBody, sendJson } from "./http.js";
import { type FakeLimits, PLATFORM_LIMITS } from "./limits.js";
import { handleOpenApi } from "./openapi.js";
import { buildRobotMessage, type RobotMessageOptions } from "./payloads.js";
import { type FakeApp, FakeState, type FaultEndpoint, type FaultKind } from "./state.js";
import { type FakeConnection, FakeStream } from "./stream.js";

export interface FakeDingTalkOptions {
  /** Registered apps; default one app, `FakeDingTalk.app`. */
  apps?: FakeApp[];
  tokenTtlSeconds?: number;
  /** Re-push unacked CALLBACKs after this long (default 60 s, like the field reports); null: never. */
  redeliverAfterMs?: number | null;
  redeliverNewMessageId?: boolean;
  /** Socket closed this long after SYSTEM disconnect (default 10 s). */
  drainCloseMs?: number;
  ticketTtlMs?: number;
  /** sessionWebhook lifetime for built messages (default 90 min). */
  webhookTtlMs?: number;
  downloadUrlTtlMs?: number;
  /**
   * Rate limits enforced on robot sends and reactions (default DingTalk's: 20 calls/s per API,
   * 20 messages/min per chat); scale the windows down for fast tests, null for none.
   */
  limits?: Partial<FakeLimits> | null;
  /** AI card behaviour: per-card update interval, instance lifetime (card-state.ts). */
  cards?: FakeCardOptions;
}

export const DEFAULT_APP: FakeApp = {
  appKey: "dingfakeappkey",
  appSecret: "fake-app-secret-0123456789abcdef",
};

export interface FakeRobotMessageOptions extends RobotMessageOptions {
  webhookTtlMs?: number;
  /** Register bytes for the message's downloadCode (file/picture/audio/video/richText). */
  file?: { bytes: Buffer; mime: string; name?: string; chunked?: boolean };
}

/** TCP connections the fake accepted (HTTP and Stream WebSocket alike): proves keep-alive reuse. */
export class FakeSockets {
  /** Accepted since start. */
  seen = 0;
  readonly live = new Set<Socket>();
  get open(): number {
    return this.live.size;
  }
  track(socket: Socket): void {
    this.seen++;
    this.live.add(socket);
    socket.once("close", () => this.live.delete(socket));
  }
}

export class FakeDingTalk {
  readonly state: FakeState;
  readonly sockets = new FakeSockets();
  readonly stream: FakeStream;
  readonly apiBase: string;
  readonly oapiBase: string;
  readonly app: FakeApp;

  constructor(
    private readonly server: Server,
    port: number,
    private readonly opts: FakeDingTalkOptions,
    state: FakeState,
    stream: FakeStream,
  ) {
    this.state = state;
    this.stream = stream;
    this.apiBase = `http://127.0.0.1:${port}`;
    this.oapiBase = this.apiBase;
    this.app = opts.apps?.[0] ?? DEFAULT_APP;
    server.on("connection", (socket: Socket) => this.sockets.track(socket));
  }

  /** The default app's credentials and this fake's bases: what a DingTalkApi or adapter config needs. */
  get client(): { appKey: string; appSecret: string; apiBase: string; oapiBase: string } {
    return {
      appKey: this.app.appKey,
      appSecret: this.app.appSecret,
      apiBase: this.apiBase,
      oapiBase: this.oapiBase,
    };
  }

  get sent() {
    return this.state.sent;
  }
  get uploads() {
    return this.state.uploads;
  }
  get emotions() {
    return this.state.emotions;
  }
  get requests() {
    return this.state.requests;
  }
  /** AI cards: `cards.list()`, `cards.expire(id)`, `cards.templates`. */
  get cards(): FakeCards {
    return this.state.cards;
  }
  card(outTrackId: string): FakeCard | undefined {
    return this.state.cards.cards.get(outTrackId);
  }
  get acks() {
    return this.stream.acks;
  }
  get connections(): FakeConnection[] {
    return this.stream.connections;
  }
  liveConnections(): FakeConnection[] {
    return this.stream.live();
  }

  addApp(app: FakeApp): void {
    this.state.addApp(app);
  }
  expireTokens(): void {
    this.state.expireTokens();
  }
  fail(endpoint: FaultEndpoint, kind: FaultKind, times = 1, skip = 0): void {
    this.state.fail(endpoint, kind, times, skip);
  }
  refuseGatewayOpen(times: number): void {
    this.state.fail("gateway", "serverError", times);
  }

  /** A robot payload whose sessionWebhook points back at this fake (and whose file is downloadable). */
  robotMessage(options: FakeRobotMessageOptions = {}): Record<string, unknown> {
    const ttl = options.webhookTtlMs ?? this.opts.webhookTtlMs ?? 90 * 60_000;
    const robotCode = options.robotCode ?? this.app.robotCode ?? this.app.appKey;
    const payload = buildRobotMessage({ ...options, robotCode }, { url: "", expiresAt: 0 });
    const session = this.state.createSession(String(payload.conversationId), ttl);
    payload.sessionWebhook = `${this.oapiBase}/robot/sendBySession?session=${session}`;
    payload.sessionWebhookExpiredTime = Date.now() + ttl;
    if (options.file) {
      const content = payload.content;
      const parsed = (typeof content === "string" ? JSON.parse(content) : content) as {
        downloadCode?: string;
      };
      if (parsed?.downloadCode)
        this.addFile(parsed.downloadCode, options.file.bytes, options.file.mime, options.file);
    }
    return payload;
  }

  addFile(
    downloadCode: string,
    bytes: Buffer,
    mime: string,
    opts: { name?: string; chunked?: boolean } = {},
  ): void {
    this.state.files.set(downloadCode, { bytes, mime, name: opts.name, chunked: opts.chunked });
  }

  /** Expire a sessionWebhook now (pass the URL or the session id). */
  expireSession(urlOrSession: string): void {
    const id = urlOrSession.includes("session=")
      ? (new URL(urlOrSession).searchParams.get("session") ?? "")
      : urlOrSession;
    const s = this.state.sessions.get(id);
    if (s) s.expiresAt = 0;
  }

  push(payload: Record<string, unknown>, connection?: FakeConnection): string {
    return this.stream.push(payload, connection);
  }
  pushFrame(frame: string | object, connection?: FakeConnection): void {
    this.stream.sendFrame(frame, connection);
  }
  pushRawText(bytes: Buffer, connection?: FakeConnection): void {
    this.stream.sendRawText(bytes, connection);
  }
  ping(connection?: FakeConnection) {
    return this.stream.ping(connection);
  }
  disconnect(connection?: FakeConnection): FakeConnection {
    return this.stream.disconnect(connection);
  }
  dropSocket(connection?: FakeConnection): FakeConnection {
    return this.stream.drop(connection);
  }
  zombie(connection?: FakeConnection): FakeConnection {
    return this.stream.zombie(connection);
  }

  /** Poll until `predicate` returns a truthy value; reject after `timeoutMs`. */
  async waitFor<T>(
    predicate: () => T | undefined | null | false,
    timeoutMs = 5_000,
    what = "condition",
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v;
      if (Date.now() > deadline)
        throw new Error(`fake DingTalk: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    this.stream.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function startFakeDingTalk(opts: FakeDingTalkOptions = {}): Promise<FakeDingTalk> {
  const limits = opts.limits === null ? null : { ...PLATFORM_LIMITS, ...opts.limits };
  const state = new FakeState(opts.tokenTtlSeconds ?? 7200, limits, opts.cards);
  for (const app of opts.apps ?? [DEFAULT_APP]) state.addApp(app);
  const stream = new FakeStream(state, {
    redeliverAfterMs: opts.redeliverAfterMs === undefined ? 60_000 : opts.redeliverAfterMs,
    redeliverNewMessageId: opts.redeliverNewMessageId ?? false,
    drainCloseMs: opts.drainCloseMs ?? 10_000,
    ticketTtlMs: opts.ticketTtlMs ?? 90_000,
  });
  let base = "";
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    res.on("finish", () =>
      state.requests.push({
        method: req.method ?? "",
        path: url.pathname,
        status: res.statusCode,
        at: Date.now(),
      }),
    );
    readBody(req)
      .then(async (body) => {
        if (req.method === "POST" && url.pathname === "/v1.0/gateway/connections/open") {
          return sendJson(res, stream.handleOpen(body, base.replace(/^http/, "ws")));
        }
        const ctx = { state, baseUrl: base, downloadUrlTtlMs: opts.downloadUrlTtlMs ?? 5 * 60_000 };
        if (!(await handleOpenApi(ctx, req, res, url, body))) {
          sendJson(res, {
            status: 404,
            body: { code: "InvalidAction.NotFound", message: "Specified api is not found" },
          });
        }
      })
      .catch((err: Error) =>
        sendJson(res, { status: 500, body: { code: "InternalError", message: err.message } }),
      );
  });
  server.on("upgrade", (req, socket, head) => stream.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return new FakeDingTalk(server, port, opts, state, stream);
}
