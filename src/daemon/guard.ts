import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** Host header values the daemon answers to: the bound name and loopback aliases, with the port. */
export function allowedHosts(host: string, port: number): Set<string> | "any" {
  if (host === "0.0.0.0" || host === "::") return "any";
  const names = new Set([host.includes(":") ? `[${host}]` : host, ...LOOPBACK_NAMES]);
  return new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
}

export interface GuardRefusal {
  code: "bad_host" | "cross_site";
  message: string;
}

/**
 * Why a request must be refused, or undefined when it may proceed. A Host that is not ours is
 * DNS rebinding; when the request can change something (`changesState`: non-safe methods, and
 * every WebSocket upgrade, since a terminal socket types keystrokes) an Origin that is not ours,
 * or Sec-Fetch-Site: cross-site, is a cross-site request (or cross-site WebSocket hijacking).
 */
export function refusal(
  host: string,
  port: number,
  headers: IncomingHttpHeaders,
  changesState: boolean,
): GuardRefusal | undefined {
  const allowed = allowedHosts(host, port);
  const hostHeader = (headers.host ?? "").toLowerCase();
  if (allowed !== "any" && !allowed.has(hostHeader)) {
    return {
      code: "bad_host",
      message: `Host "${hostHeader}" is not this daemon; use http://${host}:${port}/.`,
    };
  }
  if (!changesState) return undefined;
  const site = headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return { code: "cross_site", message: "Cross-site requests may not change anything here." };
  }
  const origin = headers.origin;
  if (origin !== undefined) {
    let originHost = "";
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      // An unparsable Origin (e.g. "null") is treated as foreign.
    }
    if (allowed === "any" ? originHost !== hostHeader : !allowed.has(originHost)) {
      return { code: "cross_site", message: `Origin "${origin}" may not change anything here.` };
    }
  }
  return undefined;
}

/**
 * Refuse DNS-rebinding (a Host that is not ours) and cross-site state-changing requests
 * (an Origin that is not ours, or Sec-Fetch-Site: cross-site). Platform callbacks under
 * `exemptPrefix` are authenticated by their own signatures instead. WebSocket upgrades bypass
 * Fastify's hooks; routes-terminal.ts calls `refusal` itself.
 */
export function installGuard(
  app: FastifyInstance,
  host: string,
  boundPort: () => number,
  exemptPrefix = "/webhooks/",
): void {
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.url.startsWith(exemptPrefix)) return;
    const refused = refusal(host, boundPort(), req.headers, !SAFE_METHODS.has(req.method));
    if (refused) return reply.code(403).send({ error: refused });
  });
}
