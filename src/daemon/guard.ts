import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** Host header values the daemon answers to: the bound name and loopback aliases, with the port. */
export function allowedHosts(host: string, port: number): Set<string> | "any" {
  if (host === "0.0.0.0" || host === "::") return "any";
  const names = new Set([host.includes(":") ? `[${host}]` : host, ...LOOPBACK_NAMES]);
  return new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
}

function refuse(reply: FastifyReply, code: string, message: string): FastifyReply {
  return reply.code(403).send({ error: { code, message } });
}

/**
 * Refuse DNS-rebinding (a Host that is not ours) and cross-site state-changing requests
 * (an Origin that is not ours, or Sec-Fetch-Site: cross-site). Platform callbacks under
 * `exemptPrefix` are authenticated by their own signatures instead.
 */
export function installGuard(
  app: FastifyInstance,
  host: string,
  boundPort: () => number,
  exemptPrefix = "/webhooks/",
): void {
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.url.startsWith(exemptPrefix)) return;
    const port = boundPort();
    const allowed = allowedHosts(host, port);
    const hostHeader = (req.headers.host ?? "").toLowerCase();
    if (allowed !== "any" && !allowed.has(hostHeader)) {
      return refuse(
        reply,
        "bad_host",
        `Host "${hostHeader}" is not this daemon; use http://${host}:${port}/.`,
      );
    }
    if (SAFE_METHODS.has(req.method)) return;
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin" && site !== "none") {
      return refuse(reply, "cross_site", "Cross-site requests may not change anything here.");
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost = "";
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        // An unparsable Origin (e.g. "null") is treated as foreign.
      }
      if (allowed === "any" ? originHost !== hostHeader : !allowed.has(originHost)) {
        return refuse(reply, "cross_site", `Origin "${origin}" may not change anything here.`);
      }
    }
  });
}
