/**
 * Files both ways: inbound downloads (downloadCode → short-lived URL → bytes, with a size cap) and
 * the legacy multipart media upload. Both go through `callDingTalk` (request.ts) like every call.
 */

import type { PoolResponse } from "../transport/http-pool.js";
import { encodeMultipart } from "../transport/multipart.js";
import { PlatformApiError } from "./errors.js";
import { type CallContext, callDingTalk } from "./request.js";

export type MediaType = "image" | "voice" | "video" | "file";

export interface MediaTarget {
  ctx: CallContext;
  apiBase: string;
  oapiBase: string;
  /** Download/upload timeout (default 60 s). */
  timeoutMs?: number;
  /** The allow-list check of a platform-provided URL (api.ts `checkUrl`). */
  checkUrl(raw: string, kind: "download"): URL;
}

export interface DownloadedBytes {
  bytes: Buffer;
  mime: string;
  name?: string;
}

/** Exchange the downloadCode for a short-lived URL, then read it with a size cap. */
export async function downloadFile(
  t: MediaTarget,
  downloadCode: string,
  robotCode: string,
  maxBytes: number,
): Promise<DownloadedBytes> {
  const body = (await callDingTalk(t.ctx, {
    name: "robot.messageFiles.download",
    method: "POST",
    url: `${t.apiBase}/v1.0/robot/messageFiles/download`,
    family: "new",
    auth: "header",
    idempotent: true,
    json: { downloadCode, robotCode },
  })) as { downloadUrl?: unknown; data?: { downloadUrl?: unknown } };
  const downloadUrl = body.downloadUrl ?? body.data?.downloadUrl;
  if (typeof downloadUrl !== "string") {
    throw new PlatformApiError(
      "dingtalk_api_error",
      "DingTalk's file download answered without downloadUrl",
      "",
    );
  }
  t.checkUrl(downloadUrl, "download");
  const res = (await callDingTalk(t.ctx, {
    name: "file.get",
    method: "GET",
    url: downloadUrl,
    family: "download",
    auth: "none",
    raw: true,
    maxBytes,
    idempotent: true,
    urlKind: "download",
    timeoutMs: t.timeoutMs ?? 60_000,
  })) as PoolResponse;
  const mime = (res.header("content-type") ?? "").split(";")[0]?.trim() ?? "";
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(res.header("content-disposition") ?? "")?.[1];
  return {
    bytes: res.body,
    mime: mime || "application/octet-stream",
    name: name ? decodeURIComponent(name) : undefined,
  };
}

/** Legacy multipart upload with `?access_token=`; returns the media_id. */
export async function uploadMedia(
  t: MediaTarget,
  bytes: Buffer,
  name: string,
  type: MediaType,
  mime = "application/octet-stream",
): Promise<string> {
  const form = encodeMultipart([
    { name: "type", value: type },
    { name: "media", filename: name, contentType: mime, data: bytes },
  ]);
  const url = new URL(`${t.oapiBase}/media/upload`);
  url.searchParams.set("type", type);
  const body = (await callDingTalk(t.ctx, {
    name: "media.upload",
    method: "POST",
    url: url.toString(),
    family: "legacy",
    auth: "query",
    form,
    timeoutMs: t.timeoutMs ?? 60_000,
    retriedBy: "caller", // part of a send: the bridge's send queue retries it
  })) as { media_id?: unknown };
  if (typeof body.media_id !== "string" || !body.media_id) {
    throw new PlatformApiError("dingtalk_api_error", "DingTalk's media upload answered without media_id", "");
  }
  return body.media_id;
}
