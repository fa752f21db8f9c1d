/**
 * Fake DingTalk REST endpoints (protocol §3, §7): tokens, sessionWebhook, robot sends, file download,
 * media upload, emotion reactions. Each checks what the real one checks and records what it got.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CARD_ROUTES } from "./cards.js";
import { parseJson, parseMultipart, type Reply, sendJson } from "./http.js";
import {
  type FakeApp,
  type FakeState,
  type FaultEndpoint,
  legacyFault,
  newApiError,
  newApiFault,
  permissionDenied,
  SCOPES,
} from "./state.js";

export interface OpenApiContext {
  state: FakeState;
  baseUrl: string;
  downloadUrlTtlMs: number;
}

/** msgKey → required msgParam fields (§3.5). */
const MSG_KEYS: Record<string, string[]> = {
  sampleText: ["content"],
  sampleMarkdown: ["title", "text"],
  sampleImageMsg: ["photoURL"],
  sampleLink: ["text", "title", "messageUrl"],
  sampleActionCard: ["title", "text", "singleTitle", "singleURL"],
  sampleActionCard2: ["title", "text", "actionTitle1", "actionURL1"],
  sampleActionCard3: ["title", "text", "actionTitle1", "actionURL1"],
  sampleActionCard4: ["title", "text", "actionTitle1", "actionURL1"],
  sampleActionCard5: ["title", "text", "actionTitle1", "actionURL1"],
  sampleActionCard6: ["title", "text", "buttonTitle1", "buttonUrl1"],
  sampleAudio: ["mediaId", "duration"],
  sampleFile: ["mediaId", "fileName", "fileType"],
  sampleVideo: ["duration", "videoMediaId", "videoType"],
};

const UPLOAD_LIMITS: Record<string, number> = {
  image: 20 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 20 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};

export type Handler = (
  ctx: OpenApiContext,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
) => Reply | Promise<Reply>;

const ROUTES: Record<string, Handler> = {
  "POST /v1.0/oauth2/accessToken": (ctx, _req, _url, body) => {
    const fault = ctx.state.takeFault("token");
    if (fault) return newApiFault(fault, "token");
    const json = parseJson(body) ?? {};
    const app = ctx.state.apps.get(String(json.appKey ?? ""));
    if (!app || app.appSecret !== json.appSecret) {
      return newApiError(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret");
    }
    const { token, expiresIn } = ctx.state.issueToken(app.appKey);
    return { status: 200, body: { accessToken: token, expireIn: expiresIn } };
  },
  "GET /gettoken": (ctx, _req, url) => {
    const fault = ctx.state.takeFault("gettoken");
    if (fault) return legacyFault(fault, "gettoken");
    const key = url.searchParams.get("appkey");
    const secret = url.searchParams.get("appsecret");
    if (!key || !secret) return { status: 200, body: { errcode: 40035, errmsg: "缺少参数" } };
    const app = ctx.state.apps.get(key);
    if (!app || app.appSecret !== secret) {
      return { status: 200, body: { errcode: 40096, errmsg: "不合法的appKey或appSecret" } };
    }
    const { token, expiresIn } = ctx.state.issueToken(app.appKey);
    return { status: 200, body: { errcode: 0, errmsg: "ok", access_token: token, expires_in: expiresIn } };
  },
  "POST /robot/sendBySession": (ctx, _req, url, body) => {
    const fault = ctx.state.takeFault("webhook");
    if (fault) return legacyFault(fault, "webhook");
    const sessionId = url.searchParams.get("session") ?? "";
    const session = ctx.state.sessions.get(sessionId);
    // Exact expiry code is undocumented (§8); DingTalk uses the 300001 family for bad sessions.
    if (!session || session.expiresAt <= Date.now()) {
      return { status: 200, body: { errcode: 300001, errmsg: "session不存在或已过期" } };
    }
    // A disbanded group (or a robot removed from it): its reply links stop working too (assumed code).
    if (ctx.state.goneChats.has(session.conversationId)) {
      return { status: 200, body: { errcode: 400102, errmsg: "机器人已停用或不在群内" } };
    }
    const json = parseJson(body);
    const msgtype = typeof json?.msgtype === "string" ? json.msgtype : "";
    const content = json?.[msgtype];
    if (!json || !msgtype || !content || typeof content !== "object") {
      return { status: 200, body: { errcode: 400105, errmsg: "不支持的消息类型" } };
    }
    // Too fast for the API or the chat: refused, not executed (webhook family code 410100).
    if (ctx.state.limiter.admit("robot.sendBySession", session.conversationId) !== "ok")
      return legacyFault("qps", "webhook");
    ctx.state.sent.push({
      via: "webhook",
      msgKey: msgtype,
      msgParam: content as Record<string, unknown>,
      target: { session: sessionId, conversationId: session.conversationId },
      body: json,
      at: Date.now(),
    });
    return { status: 200, body: { errcode: 0, errmsg: "ok" } };
  },
  "POST /v1.0/robot/groupMessages/send": (ctx, req, _url, body) =>
    robotSend(ctx, req, body, "groupSend", (json) => {
      const cid = String(json.openConversationId ?? "");
      if (!cid || ctx.state.goneChats.has(cid))
        return newApiError(400, "invalid.openConversationId", "群不存在或机器人不在群内");
      return { target: { openConversationId: cid }, extra: {} };
    }),
  "POST /v1.0/robot/oToMessages/batchSend": (ctx, req, _url, body) =>
    robotSend(ctx, req, body, "usersSend", (json) => {
      const ids = Array.isArray(json.userIds) ? json.userIds.map(String) : [];
      if (ids.length === 0) return newApiError(400, "invalidParameter.userIds.empty", "userIds为空");
      if (ids.length > 20) return newApiError(400, "invalidParameter.userIds.overMax", "userIds超过上限");
      return {
        target: { userIds: ids },
        extra: {
          invalidStaffIdList: ids.filter((id) => ctx.state.invalidUsers.has(id)),
          flowControlledStaffIdList: ids.filter((id) => ctx.state.flowControlledUsers.has(id)),
        },
      };
    }),
  "POST /v1.0/robot/messageFiles/download": (ctx, req, _url, body) => {
    const auth = checkNewApi(ctx, req, "download");
    if ("status" in auth) return auth;
    const json = parseJson(body) ?? {};
    if (json.robotCode !== robotCodeOf(auth.app)) return robotCodeError();
    const code = String(json.downloadCode ?? "");
    if (!ctx.state.files.has(code))
      return newApiError(400, "invalidParameter.downloadCode.invalid", "downloadCode无效");
    const id = ctx.state.createDownloadUrl(code, ctx.downloadUrlTtlMs);
    return { status: 200, body: { downloadUrl: `${ctx.baseUrl}/files/${id}` } };
  },
  "POST /media/upload": (ctx, req, url, body) => {
    const fault = ctx.state.takeFault("upload");
    if (fault) return legacyFault(fault, "upload");
    const app = ctx.state.appForToken(url.searchParams.get("access_token"));
    if (!app) return legacyFault("invalidToken", "upload");
    const parts = parseMultipart(body, req.headers["content-type"] ?? "");
    const media = parts.find((p) => p.name === "media" && p.filename !== undefined);
    const type =
      url.searchParams.get("type") ?? parts.find((p) => p.name === "type")?.data.toString("utf8") ?? "";
    const limit = UPLOAD_LIMITS[type];
    if (!limit) return { status: 200, body: { errcode: 40004, errmsg: "不合法的媒体文件类型" } };
    if (!media) return { status: 200, body: { errcode: 40035, errmsg: "缺少参数 media" } };
    if (media.data.length > limit)
      return { status: 200, body: { errcode: 40006, errmsg: "不合法的文件大小" } };
    const mediaId = `@lA${randomBytes(12).toString("base64url")}`;
    ctx.state.uploads.push({
      mediaId,
      type,
      name: media.filename ?? "",
      mime: media.contentType ?? "",
      bytes: Buffer.from(media.data),
    });
    return {
      status: 200,
      body: { errcode: 0, errmsg: "ok", type, media_id: mediaId, created_at: Date.now() },
    };
  },
  "POST /v1.0/robot/emotion/reply": (ctx, req, _url, body) => emotion(ctx, req, body, "reply"),
  "POST /v1.0/robot/emotion/recall": (ctx, req, _url, body) => emotion(ctx, req, body, "recall"),
  ...CARD_ROUTES,
};

export async function handleOpenApi(
  ctx: OpenApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
): Promise<boolean> {
  if (req.method === "GET" && url.pathname.startsWith("/files/")) {
    serveFile(ctx, url.pathname.slice("/files/".length), res);
    return true;
  }
  const handler = ROUTES[`${req.method} ${url.pathname}`];
  if (!handler) return false;
  sendJson(res, await handler(ctx, req, url, body));
  return true;
}

export function checkNewApi(
  ctx: OpenApiContext,
  req: IncomingMessage,
  endpoint: FaultEndpoint,
): Reply | { app: FakeApp } {
  const fault = ctx.state.takeFault(endpoint);
  if (fault) return newApiFault(fault, endpoint);
  const header = req.headers["x-acs-dingtalk-access-token"];
  if (!header)
    return newApiError(400, "AuthenticationFailed.MissingParameter", "缺少参数 x-acs-dingtalk-access-token");
  const app = ctx.state.appForToken(String(header));
  if (!app) return newApiError(401, "InvalidAuthentication", "不合法的access_token");
  const scope = SCOPES[endpoint];
  if (scope && app.deniedScopes?.includes(scope)) return permissionDenied(scope);
  return { app };
}

function robotSend(
  ctx: OpenApiContext,
  req: IncomingMessage,
  body: Buffer,
  endpoint: "groupSend" | "usersSend",
  route: (json: Record<string, unknown>) => Reply | { target: SentTarget; extra: Record<string, unknown> },
): Reply {
  const auth = checkNewApi(ctx, req, endpoint);
  if ("status" in auth) return auth;
  const json = parseJson(body) ?? {};
  if (json.robotCode !== robotCodeOf(auth.app)) return robotCodeError();
  const msgKey = String(json.msgKey ?? "");
  const required = MSG_KEYS[msgKey];
  if (!required) return newApiError(400, "invalidParameter.msgKey.invalid", `msgKey不合法: ${msgKey}`);
  const msgParamText = typeof json.msgParam === "string" ? json.msgParam : "";
  const msgParam = parseJson(Buffer.from(msgParamText));
  if (
    !msgParam ||
    Buffer.byteLength(msgParamText) > 15_000 ||
    required.some((f) => msgParam[f] === undefined)
  ) {
    return newApiError(400, "invalidParameter.msgParam.invalid", "msgParam不合法");
  }
  const routed = route(json);
  if ("status" in routed) return routed;
  const ids = routed.target.userIds;
  const chat = routed.target.openConversationId ?? (ids?.length === 1 ? `user:${ids[0]}` : undefined);
  // A send to flow-controlled users only is not executed: it takes no place in the windows.
  const flowControlled = ids?.every((id) => ctx.state.flowControlledUsers.has(id)) ?? false;
  if (!flowControlled && ctx.state.limiter.admit(`${auth.app.appKey} ${endpoint}`, chat) !== "ok")
    return newApiFault("qps", endpoint);
  const via = endpoint === "groupSend" ? "group" : "users";
  ctx.state.sent.push({
    via,
    msgKey,
    msgParam,
    target: routed.target,
    robotCode: String(json.robotCode),
    body: json,
    at: Date.now(),
  });
  return { status: 200, body: { processQueryKey: randomBytes(12).toString("base64url"), ...routed.extra } };
}

type SentTarget = { openConversationId?: string; userIds?: string[] };

function emotion(ctx: OpenApiContext, req: IncomingMessage, body: Buffer, action: string): Reply {
  const auth = checkNewApi(ctx, req, "emotion");
  if ("status" in auth) return auth;
  const json = parseJson(body) ?? {};
  if (json.robotCode !== robotCodeOf(auth.app)) return robotCodeError();
  if (!json.openMsgId || !json.openConversationId) return newApiError(400, "invalidParameter", "缺少参数");
  if (ctx.state.limiter.admit(`${auth.app.appKey} emotion.${action}`, undefined) !== "ok")
    return newApiFault("qps", "emotion");
  ctx.state.emotions.push({ action, body: json });
  return { status: 200, body: { success: true, result: true } };
}

function serveFile(ctx: OpenApiContext, id: string, res: ServerResponse): void {
  const fault = ctx.state.takeFault("file");
  if (typeof fault === "object" && "redirect" in fault) {
    res.writeHead(fault.status, { location: fault.redirect });
    res.end();
    return;
  }
  const link = ctx.state.downloadUrls.get(id);
  const file = link && ctx.state.files.get(link.code);
  if (fault || !link || !file || link.expiresAt <= Date.now()) {
    // Storage-style plain-text errors, not DingTalk JSON.
    const status = fault ? 500 : 403;
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(fault ? "Internal Error" : "Request has expired");
    return;
  }
  const headers: Record<string, string | number> = { "content-type": file.mime };
  if (file.name) headers["content-disposition"] = `attachment; filename="${encodeURIComponent(file.name)}"`;
  if (!file.chunked) headers["content-length"] = file.bytes.length;
  res.writeHead(200, headers);
  res.end(file.bytes);
}

export function robotCodeOf(app: FakeApp): string {
  return app.robotCode ?? app.appKey;
}

export function robotCodeError(): Reply {
  return newApiError(400, "invalidParameter.robotCode.auth", "robotCode与应用不匹配");
}
