/**
 * Guards for URLs and bodies that come from the platform: sessionWebhook / downloadUrl hosts
 * (protocol §2.3, SSRF) and a size cap on downloads (§3.7).
 */
import { PlatformApiError } from "./errors.js";

export function isAllowedPlatformUrl(raw: string, bases: string[], kind: "webhook" | "download"): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  for (const b of bases) {
    const base = new URL(b);
    if (url.protocol === base.protocol && url.host === base.host) return true;
    // Real DingTalk: webhooks live on *.dingtalk.com, file URLs on DingTalk or Alibaba Cloud storage.
    if (/(^|\.)dingtalk\.(com|io)$/.test(base.hostname) && url.protocol === "https:") {
      if (/(^|\.)dingtalk\.(com|io)$/.test(url.hostname)) return true;
      if (kind === "download" && /\.aliyuncs\.com$/.test(url.hostname)) return true;
    }
  }
  return false;
}

export async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  const tooLarge = () =>
    new PlatformApiError(
      "dingtalk_file_too_large",
      `The file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`,
      "Raise im.files.max_mb in group.yaml or send a smaller file",
    );
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        await res.body.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}

export function safeHost(raw: string): string {
  try {
    return new URL(raw).host;
  } catch {
    return "not a URL";
  }
}
