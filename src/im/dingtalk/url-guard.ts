/**
 * Guards for URLs and bodies that come from the platform: sessionWebhook / downloadUrl hosts
 * (SSRF), checked again at every redirect hop (redirects.ts). The size cap on downloads is the HTTP
 * pool's `maxBytes` (media.ts).
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isInternalAddress, isOwnListener } from "../net-guard.js";
import { PlatformApiError } from "./errors.js";

/** `api`: our own calls to the configured bases; the others are URLs DingTalk handed us. */
export type UrlKind = "api" | "webhook" | "download";

export function isAllowedPlatformUrl(raw: string, bases: string[], kind: UrlKind): boolean {
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

/** Resolves a host name to every address it has (injectable for tests). */
export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * What a hop's check approved: the addresses the request may connect to (the pool pins them,
 * transport/pinned-lookup.ts), or `undefined` for exactly a configured base (resolved as usual).
 */
export type Approved = readonly string[] | undefined;

/**
 * The check every hop of an outbound request passes (the first URL and each redirect target):
 * - http(s) only, and never this daemon's own listening address;
 * - the host allow-list of `isAllowedPlatformUrl` (DingTalk hosts, or exactly a configured base);
 * - a host that is not exactly a configured base must resolve only to public addresses (no
 *   loopback, private, link-local …). A configured base is trusted as the operator wrote it, which
 *   is what lets tests use a fake DingTalk on loopback: that one host:port, no other loopback port.
 * It answers the addresses it checked, so the connection cannot go to a later DNS answer (rebinding).
 */
export function hopGuard(
  bases: string[],
  resolve: Resolver = systemResolver,
): (url: URL, kind: UrlKind) => Promise<Approved> {
  const trusted = new Set(bases.map((b) => new URL(b).host));
  return async (url, kind) => {
    const what = kind === "api" ? "DingTalk API" : `DingTalk ${kind}`;
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw untrusted(`Refused a ${what} URL with scheme ${url.protocol}`);
    }
    if (isOwnListener(url)) {
      throw untrusted(`Refused a ${what} URL that points at this CCCC daemon's own API (${url.host})`);
    }
    if (!isAllowedPlatformUrl(url.toString(), bases, kind)) {
      throw untrusted(`Refused a ${what} URL on an unexpected host (${url.host})`);
    }
    if (trusted.has(url.host)) return undefined;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await resolve(host);
    } catch (err) {
      throw untrusted(
        `Refused a ${what} URL whose host does not resolve (${url.host}: ${(err as Error).message})`,
      );
    }
    const bad = addresses.find((a) => isInternalAddress(a));
    if (bad !== undefined || addresses.length === 0) {
      throw untrusted(
        `Refused a ${what} URL whose host resolves to an internal address (${url.host} → ${bad ?? "nothing"})`,
      );
    }
    return addresses;
  };
}

export function untrusted(message: string): PlatformApiError {
  return new PlatformApiError(
    "dingtalk_untrusted_url",
    message,
    "Only public DingTalk hosts or CCCC_DINGTALK_API_BASE / CCCC_DINGTALK_OAPI_BASE are accepted",
  );
}

export function safeHost(raw: string): string {
  try {
    return new URL(raw).host;
  } catch {
    return "not a URL";
  }
}
