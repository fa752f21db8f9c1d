/**
 * Fake AI card endpoints (protocol §3.10): `createAndDeliver`, `PUT /v1.0/card/instances` and
 * `PUT /v1.0/card/streaming`, with what the platform checks — token and permission
 * (`Card.Instance.Write` / `Card.Streaming.Write`), template and open space, string-only
 * `cardParamMap`, the app's QPS, a per-card update rate, and "card not exist" once a card expired.
 * Assumed where undocumented (§8): the per-card refusal code and the not-exist code's HTTP status.
 */
import { randomBytes } from "node:crypto";
import type { FakeCard, FakeCardSpace } from "./card-state.js";
import { parseJson, type Reply } from "./http.js";
import { checkNewApi, type Handler, robotCodeError, robotCodeOf } from "./openapi.js";
import { type FakeApp, type FaultEndpoint, newApiError, newApiFault } from "./state.js";

const SPACE = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/;

function auth(
  ctx: Parameters<Handler>[0],
  req: Parameters<Handler>[1],
  endpoint: FaultEndpoint,
): Reply | { app: FakeApp } {
  const a = checkNewApi(ctx, req, endpoint);
  if ("status" in a) return a;
  // Cards share the app's per-API QPS (protocol §5.3); refused calls are not executed.
  if (ctx.state.limiter.admit(`${a.app.appKey} ${endpoint}`, undefined) !== "ok")
    return newApiFault("qps", endpoint);
  return a;
}

function stringParams(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") return undefined;
    out[k] = x;
  }
  return out;
}

function cardNotExist(): Reply {
  return newApiError(400, "param.cardNotExist", "卡片不存在或已过期");
}

/** A live card that may be updated now, or the refusal (unknown/expired, per-card rate). */
function updatable(ctx: Parameters<Handler>[0], outTrackId: string): Reply | { card: FakeCard } {
  const cards = ctx.state.cards;
  const card = cards.live(outTrackId);
  if (!card) return cardNotExist();
  const now = Date.now();
  if (cards.updateMinIntervalMs > 0 && now - card.lastUpdateAt < cards.updateMinIntervalMs) {
    card.updatesRefused++;
    return newApiError(403, "Forbidden.AccessDenied.QpsLimitForCardInstance", "卡片更新过于频繁");
  }
  card.lastUpdateAt = now;
  return { card };
}

function finalizeIfDone(card: FakeCard, finalize: boolean, error: boolean): void {
  const status = card.params.flowStatus;
  if (!finalize && status !== "3" && status !== "5") return;
  card.finalized = true;
  card.failed = error || status === "5";
  card.finalText = card.params.msgContent ?? "";
}

export const CARD_ROUTES: Record<string, Handler> = {
  "POST /v1.0/card/instances/createAndDeliver": (ctx, req, _url, body) => {
    const a = auth(ctx, req, "cardCreate");
    if ("status" in a) return a;
    const json = parseJson(body) ?? {};
    const cards = ctx.state.cards;
    const templateId = String(json.cardTemplateId ?? "");
    if (!cards.templates.has(templateId)) return newApiError(400, "template.notExist", "卡片模板不存在");
    const outTrackId = typeof json.outTrackId === "string" ? json.outTrackId : "";
    if (!outTrackId || outTrackId.length > 64)
      return newApiError(400, "invalidParameter.outTrackId", "outTrackId不合法");
    if (cards.cards.has(outTrackId))
      return newApiError(400, "invalidParameter.outTrackId.duplicate", "outTrackId重复");
    const params = stringParams((json.cardData as { cardParamMap?: unknown } | undefined)?.cardParamMap);
    if (!params) return newApiError(400, "invalidParameter.cardParamMap", "cardParamMap的值必须是字符串");
    const m = SPACE.exec(String(json.openSpaceId ?? ""));
    if (!m) return newApiError(400, "invalidParameter.openSpaceId", "openSpaceId不合法");
    const [, spaceType = "", spaceId = ""] = m;
    let space: FakeCardSpace;
    let robotCode: unknown;
    if (spaceType === "IM_GROUP") {
      const deliver = json.imGroupOpenDeliverModel as { robotCode?: unknown } | undefined;
      if (!deliver) return newApiError(400, "invalidParameter.imGroupOpenDeliverModel", "缺少群投放参数");
      robotCode = deliver.robotCode;
      space = { kind: "group", openConversationId: spaceId };
    } else {
      const deliver = json.imRobotOpenDeliverModel as
        | { spaceType?: unknown; robotCode?: unknown }
        | undefined;
      if (deliver?.spaceType !== "IM_ROBOT")
        return newApiError(400, "invalidParameter.imRobotOpenDeliverModel", "缺少单聊投放参数");
      robotCode = deliver.robotCode ?? robotCodeOf(a.app);
      space = { kind: "direct", userId: spaceId };
    }
    if (robotCode !== robotCodeOf(a.app)) return robotCodeError();
    // Delivery can fail after creation: 200 with a failed deliverResult (the caller must check).
    const undeliverable =
      space.kind === "group"
        ? ctx.state.goneChats.has(space.openConversationId)
        : ctx.state.invalidUsers.has(space.userId) || space.userId.startsWith("cid");
    const now = Date.now();
    const card: FakeCard = {
      outTrackId,
      templateId,
      openSpaceId: String(json.openSpaceId),
      space,
      robotCode: String(robotCode),
      params,
      states: [],
      finalized: false,
      failed: false,
      createdAt: now,
      expiresAt: now + cards.ttlMs,
      lastUpdateAt: now,
      updatesRefused: 0,
    };
    if (!undeliverable) {
      cards.cards.set(outTrackId, card);
      cards.record(card, "create", false, false, now);
      finalizeIfDone(card, false, false);
    }
    const deliverResult = {
      spaceType,
      spaceId,
      success: !undeliverable,
      errorMsg: undeliverable ? (space.kind === "group" ? "机器人不在群内" : "用户不存在") : "",
      carrierId: undeliverable ? "" : randomBytes(8).toString("hex"),
    };
    return { status: 200, body: { success: true, result: { outTrackId, deliverResults: [deliverResult] } } };
  },

  "PUT /v1.0/card/instances": (ctx, req, _url, body) => {
    const a = auth(ctx, req, "cardUpdate");
    if ("status" in a) return a;
    const json = parseJson(body) ?? {};
    const params = stringParams((json.cardData as { cardParamMap?: unknown } | undefined)?.cardParamMap);
    if (!params) return newApiError(400, "invalidParameter.cardParamMap", "cardParamMap的值必须是字符串");
    const u = updatable(ctx, String(json.outTrackId ?? ""));
    if ("status" in u) return u;
    Object.assign(u.card.params, params);
    ctx.state.cards.record(u.card, "update", false, false);
    finalizeIfDone(u.card, false, false);
    return { status: 200, body: { success: true, result: true } };
  },

  "PUT /v1.0/card/streaming": (ctx, req, _url, body) => {
    const a = auth(ctx, req, "cardStreaming");
    if ("status" in a) return a;
    const json = parseJson(body) ?? {};
    if (typeof json.guid !== "string" || !json.guid)
      return newApiError(400, "invalidParameter.guid", "缺少guid");
    if (typeof json.content !== "string")
      return newApiError(400, "invalidParameter.content", "content不合法");
    const card = ctx.state.cards.live(String(json.outTrackId ?? ""));
    if (!card) return cardNotExist();
    const key = String(json.key ?? "");
    if (!ctx.state.cards.templates.get(card.templateId)?.includes(key))
      return newApiError(400, "invalidParameter.key", `模板中不存在变量: ${key}`);
    const u = updatable(ctx, card.outTrackId);
    if ("status" in u) return u;
    const finalize = json.isFinalize === true;
    const error = json.isError === true;
    card.params[key] = json.isFull === false ? (card.params[key] ?? "") + json.content : json.content;
    card.params.flowStatus = finalize ? (error ? "5" : "3") : "2";
    ctx.state.cards.record(card, "stream", finalize, error);
    finalizeIfDone(card, finalize, error);
    return { status: 200, body: { success: true, result: true } };
  },
};
