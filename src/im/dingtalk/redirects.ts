/**
 * An HTTP request (the keep-alive pool, transport/http-pool.ts) that follows redirects itself, so every hop passes the same URL guard as the first one
 * (SECURITY.md; docs/dingtalk-transport.md, "Redirects"). Rules:
 * - at most MAX_REDIRECTS hops; each `Location` is resolved against the current URL and checked;
 * - 301/302/303 continue as a GET without a body (what browsers and the fetch spec do);
 * - 307/308 keep the method and body, but only to the same origin: a body is never replayed to
 *   another host (or scheme or port), such a redirect is refused;
 * - crossing to another origin drops the access-token header;
 * - each hop connects only to the addresses its check approved (no second DNS answer: rebinding).
 */
import type { HttpPool, PoolResponse } from "../transport/http-pool.js";
import { type Approved, type UrlKind, untrusted } from "./url-guard.js";

export const MAX_REDIRECTS = 5;

/** Refuses (throws) or answers the addresses the hop may connect to (url-guard.ts `hopGuard`). */
export type HopCheck = (url: URL, kind: UrlKind) => Promise<Approved>;

export interface GuardedInit {
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
  /** For all hops together. */
  timeoutMs: number;
  /** Cap on an answer's body (downloads). */
  maxBytes?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TOKEN_HEADER = "x-acs-dingtalk-access-token";

export async function fetchGuarded(
  pool: HttpPool,
  raw: string,
  init: GuardedInit,
  kind: UrlKind,
  check: HopCheck,
): Promise<PoolResponse> {
  let url = new URL(raw);
  let { method, body } = init;
  const headers = { ...init.headers };
  const deadline = Date.now() + init.timeoutMs;
  let addresses = await check(url, kind);
  for (let hop = 0; ; hop++) {
    const timeoutMs = Math.max(0, deadline - Date.now());
    const res = await pool.request({
      method,
      url,
      headers,
      body,
      signal: init.signal,
      timeoutMs,
      maxBytes: init.maxBytes,
      addresses,
    });
    if (!REDIRECTS.has(res.status)) return res;
    const location = res.header("location");
    if (!location) return res;
    if (hop >= MAX_REDIRECTS) {
      throw untrusted(`Refused to follow more than ${MAX_REDIRECTS} redirects (last from ${url.host})`);
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw untrusted(`Refused a redirect to an invalid URL from ${url.host}`);
    }
    const sameOrigin = next.origin === url.origin;
    if (res.status === 307 || res.status === 308) {
      if (body !== undefined && !sameOrigin) {
        throw untrusted(
          `Refused a ${res.status} redirect that would resend a ${method} body from ${url.host} to ${next.host}`,
        );
      }
    } else if (method !== "GET" && method !== "HEAD") {
      method = "GET";
      body = undefined;
      delete headers["content-type"];
    }
    if (!sameOrigin) delete headers[TOKEN_HEADER];
    try {
      addresses = await check(next, kind);
    } catch (err) {
      throw withRedirectContext(err, url);
    }
    url = next;
  }
}

function withRedirectContext(err: unknown, from: URL): unknown {
  if (!(err instanceof Error)) return err;
  err.message = err.message.replace(/^Refused a /, `Refused a redirect from ${from.host} to a `);
  return err;
}
