/**
 * Shared state of the fake DingTalk server: apps, tokens, sessions, files, fault plans and the
 * records tests assert on. Error bodies follow protocol §5.1/§5.2.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { type FakeCardOptions, FakeCards } from "./card-state.js";
import { FakeLimiter, type FakeLimits, PLATFORM_LIMITS } from "./limits.js";

export interface FakeApp {
  appKey: string;
  appSecret: string;
  /** Defaults to the app key (enterprise-internal robots, protocol §0). */
  robotCode?: string;
  /** Permissions the app has not been granted, e.g. `qyapi_robot_sendmsg`. */
  deniedScopes?: string[];
}

export type FaultEndpoint =
  | "token"
  | "gettoken"
  | "gateway"
  | "webhook"
  | "groupSend"
  | "usersSend"
  | "download"
  | "file"
  | "upload"
  | "emotion"
  | "cardCreate"
  | "cardUpdate"
  | "cardStreaming";

export type FaultKind =
  | "qps"
  | "qpsGlobal"
  | "quota"
  | "invalidToken"
  | "serverError"
  | "noPermission"
  | { status: number; body: unknown }
  /** Answer with a redirect to `redirect` (e.g. a loopback URL) instead of serving the request. */
  | { redirect: string; status: 301 | 302 | 303 | 307 | 308 };

export interface SentMessage {
  via: "webhook" | "group" | "users";
  /** OpenAPI msgKey, or the webhook msgtype. */
  msgKey: string;
  /** Parsed msgParam, or the webhook body's content object. */
  msgParam: Record<string, unknown>;
  target: { session?: string; conversationId?: string; openConversationId?: string; userIds?: string[] };
  robotCode?: string;
  body: Record<string, unknown>;
  at: number;
}

export interface AckRecord {
  connectionId: string;
  messageId: string;
  code: number;
  data: string;
  at: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface UploadRecord {
  mediaId: string;
  type: string;
  name: string;
  mime: string;
  bytes: Buffer;
}

/** Scope each endpoint needs, named in permission errors. */
export const SCOPES: Partial<Record<FaultEndpoint, string>> = {
  groupSend: "qyapi_robot_sendmsg",
  usersSend: "qyapi_robot_sendmsg",
  download: "qyapi_robot_sendmsg",
  emotion: "qyapi_robot_sendmsg",
  upload: "qyapi_robot_sendmsg",
  cardCreate: "Card.Instance.Write",
  cardUpdate: "Card.Instance.Write",
  cardStreaming: "Card.Streaming.Write",
};

export class FakeState {
  readonly apps = new Map<string, FakeApp>();
  /** token → owner and expiry. */
  readonly tokens = new Map<string, { appKey: string; expiresAt: number }>();
  readonly sessions = new Map<string, { conversationId: string; expiresAt: number }>();
  readonly files = new Map<string, { bytes: Buffer; mime: string; name?: string; chunked?: boolean }>();
  readonly downloadUrls = new Map<string, { code: string; expiresAt: number }>();
  readonly goneChats = new Set<string>();
  readonly invalidUsers = new Set<string>();
  readonly flowControlledUsers = new Set<string>();
  readonly sent: SentMessage[] = [];
  readonly uploads: UploadRecord[] = [];
  readonly emotions: { action: string; body: Record<string, unknown> }[] = [];
  readonly requests: RequestRecord[] = [];
  /** AI card instances (card-state.ts). */
  readonly cards: FakeCards;
  tokensIssued = 0;
  private readonly faults = new Map<FaultEndpoint, { kind: FaultKind; remaining: number; skip: number }[]>();

  /** DingTalk's per-API and per-chat rate limits (null: none). */
  readonly limiter: FakeLimiter;

  constructor(
    readonly tokenTtlSeconds: number,
    limits: FakeLimits | null = PLATFORM_LIMITS,
    cards: FakeCardOptions = {},
  ) {
    this.limiter = new FakeLimiter(limits);
    this.cards = new FakeCards(cards);
  }

  addApp(app: FakeApp): void {
    this.apps.set(app.appKey, app);
  }

  /** DingTalk returns the same token while it is valid and extends it (§3.1). */
  issueToken(appKey: string): { token: string; expiresIn: number } {
    const now = Date.now();
    const expiresAt = now + this.tokenTtlSeconds * 1000;
    for (const [token, t] of this.tokens) {
      if (t.appKey === appKey && t.expiresAt > now) {
        t.expiresAt = expiresAt;
        return { token, expiresIn: this.tokenTtlSeconds };
      }
    }
    const token = `tok-${randomBytes(12).toString("hex")}`;
    this.tokens.set(token, { appKey, expiresAt });
    this.tokensIssued++;
    return { token, expiresIn: this.tokenTtlSeconds };
  }

  /** The app owning a live token, or undefined. */
  appForToken(token: string | undefined | null): FakeApp | undefined {
    if (!token) return undefined;
    const t = this.tokens.get(token);
    if (!t || t.expiresAt <= Date.now()) return undefined;
    return this.apps.get(t.appKey);
  }

  /** Revoke every token (as if DingTalk rotated them); the next call sees InvalidAuthentication. */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** Fail the next `times` calls to `endpoint` with `kind`, after letting `skip` calls through. */
  fail(endpoint: FaultEndpoint, kind: FaultKind, times = 1, skip = 0): void {
    const list = this.faults.get(endpoint) ?? [];
    list.push({ kind, remaining: times, skip });
    this.faults.set(endpoint, list);
  }

  takeFault(endpoint: FaultEndpoint): FaultKind | undefined {
    const list = this.faults.get(endpoint);
    const f = list?.[0];
    if (!list || !f) return undefined;
    if (f.skip > 0) {
      f.skip--;
      return undefined;
    }
    if (--f.remaining <= 0) list.shift();
    return f.kind;
  }

  createSession(conversationId: string, ttlMs: number): string {
    const session = randomBytes(16).toString("hex");
    this.sessions.set(session, { conversationId, expiresAt: Date.now() + ttlMs });
    return session;
  }

  createDownloadUrl(code: string, ttlMs: number): string {
    const id = randomUUID();
    this.downloadUrls.set(id, { code, expiresAt: Date.now() + ttlMs });
    return id;
  }
}

/** New-API error JSON (HTTP 4xx/5xx + `{requestid, code, message}`). */
export function newApiError(status: number, code: string, message: string, extra: object = {}) {
  return { status, body: { requestid: randomUUID(), code, message, ...extra } };
}

/** A redirect fault as a reply (Location header, empty JSON body). */
export function redirectReply(kind: { redirect: string; status: number }) {
  return { status: kind.status, body: {}, headers: { location: kind.redirect } };
}

/** Render a fault for the new API family. */
export function newApiFault(kind: FaultKind, endpoint: FaultEndpoint) {
  if (typeof kind === "object") return "redirect" in kind ? redirectReply(kind) : kind;
  switch (kind) {
    case "qps":
      return newApiError(
        403,
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        "应用调用该接口的请求数超过限流值",
      );
    case "qpsGlobal":
      return newApiError(403, "Forbidden.AccessDenied.QpsLimitForApi", "该接口的请求数超过限流值");
    case "quota":
      return newApiError(403, "Forbidden.AccessDenied.ApiCountLimitForOrg", "企业调用次数超过每月上限");
    case "invalidToken":
      return newApiError(401, "InvalidAuthentication", "不合法的access_token");
    case "serverError":
      return newApiError(503, "ServiceUnavailable", "服务暂不可用");
    case "noPermission":
      return permissionDenied(SCOPES[endpoint] ?? "qyapi_robot_sendmsg");
  }
}

export function permissionDenied(scope: string) {
  return newApiError(
    403,
    "Forbidden.AccessDenied.AccessTokenPermissionDenied",
    `没有调用该接口的权限，请申请权限：[${scope}]`,
    {
      accessdenieddetail: { requiredScopes: [scope] },
    },
  );
}

/** Render a fault for legacy (`errcode`) endpoints: HTTP 200 with a non-zero errcode. */
export function legacyFault(kind: FaultKind, endpoint: FaultEndpoint) {
  if (typeof kind === "object") return "redirect" in kind ? redirectReply(kind) : kind;
  const body = (errcode: number, errmsg: string, extra: object = {}) => ({
    status: 200,
    body: { errcode, errmsg, request_id: randomBytes(6).toString("hex"), ...extra },
  });
  switch (kind) {
    case "qps":
      return endpoint === "webhook"
        ? body(410100, "发送速度太快而限流")
        : body(90018, "当前应用调用该接口频率超过限制");
    case "qpsGlobal":
      return body(90002, "服务器繁忙，请稍后重试");
    case "quota":
      return body(90020, "企业API调用次数超过上限");
    case "invalidToken":
      return body(88, "ding talk error[subcode=40014,submsg=不合法的access_token]", {
        sub_code: "40014",
        sub_msg: "不合法的access_token",
      });
    case "serverError":
      return { status: 502, body: { errcode: -1, errmsg: "系统繁忙" } };
    case "noPermission":
      return body(60011, `应用未开通此接口权限：[${SCOPES[endpoint] ?? "qyapi_robot_sendmsg"}]`);
  }
}
