/**
 * Typed wrappers for the DingTalk calls the bridge makes. Every call goes
 * through `callDingTalk` (request.ts). Base URLs come from config so a fake server can stand in.
 */
import { setMaxListeners } from "node:events";
import { HttpPool, type PoolOptions } from "../transport/http-pool.js";
import { PlatformApiError } from "./errors.js";
import {
  type DownloadedBytes,
  downloadFile,
  type MediaTarget,
  type MediaType,
  uploadMedia,
} from "./media.js";
import { dingTalkLimiter, type RateLimits } from "./rate-limit.js";
import { type CallContext, type CallSpec, callDingTalk } from "./request.js";
import type { StreamEndpoint } from "./stream-options.js";
import { TokenCache } from "./token-cache.js";
import { hopGuard, isAllowedPlatformUrl, type Resolver, safeHost, untrusted } from "./url-guard.js";

export type { MediaType } from "./media.js";
export { isAllowedPlatformUrl } from "./url-guard.js";

export const DEFAULT_API_BASE = "https://api.dingtalk.com";
export const DEFAULT_OAPI_BASE = "https://oapi.dingtalk.com";
export const ROBOT_TOPIC = "/v1.0/im/bot/messages/get";
/** The rate budget messages and cards share (rate-limit.ts): one app, one QPS allowance. */
export const IM_BUDGET = "im";

export interface ApiConfig {
  appKey: string;
  appSecret: string;
  apiBase?: string;
  oapiBase?: string;
  log?: (line: string) => void;
  timeoutMs?: number;
  downloadTimeoutMs?: number;
  /** Attempts of the calls this client retries itself (token, downloads, reactions); sends: 1. */
  maxAttempts?: number;
  /** First retry delay; a throttle answer holds the windows ½–1 × this (DingTalk advises 1 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  limits?: Partial<RateLimits>;
  /** DNS for the URL guard (tests); default the system resolver. */
  resolve?: Resolver;
  /** Kept-alive connections per origin (transport/http-pool.ts defaults: 8, idle 4 s). */
  connections?: PoolOptions;
}

export interface UsersSendResult {
  processQueryKey: string;
  invalidStaffIdList: string[];
  flowControlledStaffIdList: string[];
}

export class DingTalkApi {
  readonly apiBase: string;
  readonly oapiBase: string;
  private readonly abort = new AbortController();
  private readonly http: HttpPool;
  private readonly ctx: CallContext;
  private readonly media: MediaTarget;
  private readonly tokens: TokenCache;

  constructor(private readonly config: ApiConfig) {
    this.apiBase = trimSlash(config.apiBase ?? DEFAULT_API_BASE);
    this.oapiBase = trimSlash(config.oapiBase ?? DEFAULT_OAPI_BASE);
    this.tokens = new TokenCache(() => this.fetchToken());
    this.http = new HttpPool(config.connections);
    // Each in-flight request listens for the shutdown (removed when it settles): a burst has many.
    setMaxListeners(0, this.abort.signal);
    this.ctx = {
      http: this.http,
      limiter: dingTalkLimiter(config.limits),
      tokens: this.tokens,
      timeoutMs: config.timeoutMs ?? 15_000,
      retry: {
        attempts: config.maxAttempts ?? 4,
        baseMs: config.retryBaseMs ?? 1_000,
        maxMs: config.retryMaxMs ?? 10_000,
      },
      secrets: [config.appSecret],
      log: config.log ?? (() => {}),
      signal: this.abort.signal,
      guard: hopGuard([this.apiBase, this.oapiBase], config.resolve),
    };
    this.media = {
      ctx: this.ctx,
      apiBase: this.apiBase,
      oapiBase: this.oapiBase,
      timeoutMs: config.downloadTimeoutMs,
      checkUrl: (raw, kind) => this.checkUrl(raw, kind),
    };
  }

  /** Cancel every wait and in-flight request, and close every connection. */
  close(): void {
    this.abort.abort();
    this.http.close();
  }

  /** Open and idle connections to DingTalk (tests, diagnostics). */
  connections(): { open: number; idle: number } {
    return this.http.sockets();
  }

  /** Cached access token: refreshed before expiry, single-flight. */
  getAccessToken(): Promise<string> {
    return this.tokens.get(this.abort.signal);
  }

  /**
   * A fresh one-shot Stream ticket for every connect, and the endpoint's approved addresses: the
   * WebSocket connects only to those (stream.ts), as every HTTP hop does.
   */
  async openStreamConnection(signal?: AbortSignal): Promise<StreamEndpoint> {
    // The caller's signal (the Stream client's stop) cancels this call too.
    const ctx = signal ? { ...this.ctx, signal: AbortSignal.any([this.ctx.signal, signal]) } : this.ctx;
    const body = (await callDingTalk(ctx, {
      name: "gateway.connections.open",
      method: "POST",
      url: `${this.apiBase}/v1.0/gateway/connections/open`,
      family: "new",
      auth: "none",
      idempotent: true,
      retriedBy: "caller", // the Stream client's reconnect loop does the backoff
      timeoutMs: 10_000,
      json: {
        clientId: this.config.appKey,
        clientSecret: this.config.appSecret,
        subscriptions: [{ type: "CALLBACK", topic: ROBOT_TOPIC }],
        ua: "cccc-ts/0.1",
      },
    })) as { endpoint?: unknown; ticket?: unknown };
    if (
      typeof body.endpoint !== "string" ||
      !body.endpoint ||
      typeof body.ticket !== "string" ||
      !body.ticket
    ) {
      throw new PlatformApiError(
        "dingtalk_api_error",
        "DingTalk's gateway answered without endpoint/ticket",
        "",
      );
    }
    // The WebSocket endpoint is a platform-provided URL too: same guard (ws/wss as http/https).
    let endpointUrl: URL;
    try {
      endpointUrl = new URL(body.endpoint.replace(/^ws(s?):/i, "http$1:"));
    } catch {
      throw untrusted("Refused a DingTalk Stream endpoint that is not a URL");
    }
    const addresses = await this.ctx.guard(endpointUrl, "api");
    return { endpoint: body.endpoint, ticket: body.ticket, addresses };
  }

  /**
   * Reply through the chat's sessionWebhook. Only DingTalk (or configured) hosts. `chatKey`
   * paces the chat as one, whichever route (webhook or OpenAPI) its messages take.
   */
  async sendBySessionWebhook(url: string, body: Record<string, unknown>, chatKey?: string): Promise<void> {
    const session = this.checkUrl(url, "webhook").searchParams.get("session") ?? url;
    await callDingTalk(this.ctx, {
      name: "robot.sendBySession",
      method: "POST",
      url,
      family: "webhook",
      auth: "none",
      json: body,
      chatKey: chatKey ?? `webhook:${session}`,
      urlKind: "webhook",
      budget: IM_BUDGET,
      retriedBy: "caller", // the bridge's send queue
    });
  }

  /** `msgParam` is the JSON string DingTalk expects. */
  async sendToGroup(
    openConversationId: string,
    msgKey: string,
    msgParam: string,
    robotCode: string,
    chatKey?: string,
  ): Promise<{ processQueryKey: string }> {
    const body = (await callDingTalk(this.ctx, {
      name: "robot.groupMessages.send",
      method: "POST",
      url: `${this.apiBase}/v1.0/robot/groupMessages/send`,
      family: "new",
      auth: "header",
      json: { robotCode, openConversationId, msgKey, msgParam },
      chatKey: chatKey ?? openConversationId,
      budget: IM_BUDGET,
      retriedBy: "caller", // the bridge's send queue
    })) as { processQueryKey?: unknown };
    return { processQueryKey: String(body.processQueryKey ?? "") };
  }

  /** Batches of ≤ 20 users; a 200 can still list invalid or throttled users. */
  async sendToUsers(
    userIds: string[],
    msgKey: string,
    msgParam: string,
    robotCode: string,
    chatKey?: string,
  ): Promise<UsersSendResult> {
    const out: UsersSendResult = {
      processQueryKey: "",
      invalidStaffIdList: [],
      flowControlledStaffIdList: [],
    };
    for (let i = 0; i < userIds.length; i += 20) {
      const batch = userIds.slice(i, i + 20);
      const body = (await callDingTalk(this.ctx, {
        name: "robot.oToMessages.batchSend",
        method: "POST",
        url: `${this.apiBase}/v1.0/robot/oToMessages/batchSend`,
        family: "new",
        auth: "header",
        json: { robotCode, userIds: batch, msgKey, msgParam },
        chatKey: batch.length === 1 ? (chatKey ?? `user:${batch[0]}`) : undefined,
        budget: IM_BUDGET,
        retriedBy: "caller", // the bridge's send queue
      })) as Partial<Record<keyof UsersSendResult, unknown>>;
      out.processQueryKey ||= String(body.processQueryKey ?? "");
      out.invalidStaffIdList.push(...strings(body.invalidStaffIdList));
      out.flowControlledStaffIdList.push(...strings(body.flowControlledStaffIdList));
    }
    return out;
  }

  /** Exchange the downloadCode for a short-lived URL, then read it with a size cap (media.ts). */
  downloadFile(downloadCode: string, robotCode: string, maxBytes: number): Promise<DownloadedBytes> {
    return downloadFile(this.media, downloadCode, robotCode, maxBytes);
  }

  /** Legacy multipart upload with `?access_token=`; returns the media_id (media.ts). */
  uploadMedia(bytes: Buffer, name: string, type: MediaType, mime?: string): Promise<string> {
    return uploadMedia(this.media, bytes, name, type, mime);
  }

  /** Processing indicator on a user's message. */
  async emotion(action: "reply" | "recall", body: Record<string, unknown>): Promise<void> {
    await callDingTalk(this.ctx, {
      name: `robot.emotion.${action}`,
      method: "POST",
      url: `${this.apiBase}/v1.0/robot/emotion/${action}`,
      family: "new",
      auth: "header",
      json: body,
      timeoutMs: 5_000,
    });
  }

  /** A header-authenticated call on the new API (`path` under apiBase): other API groups (card-api.ts). */
  callApi(spec: Omit<CallSpec, "url" | "family" | "auth"> & { path: string }): Promise<unknown> {
    const { path, ...rest } = spec;
    return callDingTalk(this.ctx, { ...rest, url: `${this.apiBase}${path}`, family: "new", auth: "header" });
  }

  private async fetchToken(): Promise<{ token: string; expiresInMs: number }> {
    const body = (await callDingTalk(this.ctx, {
      name: "oauth2.accessToken",
      method: "POST",
      url: `${this.apiBase}/v1.0/oauth2/accessToken`,
      family: "new",
      auth: "none",
      idempotent: true,
      timeoutMs: 10_000,
      json: { appKey: this.config.appKey, appSecret: this.config.appSecret },
    })) as { accessToken?: unknown; expireIn?: unknown };
    if (typeof body.accessToken !== "string" || !body.accessToken) {
      throw new PlatformApiError(
        "dingtalk_api_error",
        "DingTalk's token endpoint answered without accessToken",
        "",
      );
    }
    return { token: body.accessToken, expiresInMs: Number(body.expireIn ?? 7200) * 1000 };
  }

  /**
   * sessionWebhook and downloadUrl come from the platform, so only DingTalk hosts (or the configured
   * bases, e.g. a fake server) are accepted (SSRF).
   */
  private checkUrl(raw: string, kind: "webhook" | "download"): URL {
    if (isAllowedPlatformUrl(raw, [this.apiBase, this.oapiBase], kind)) return new URL(raw);
    throw untrusted(`Refused a DingTalk ${kind} URL on an unexpected host (${safeHost(raw)})`);
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, "");
}
