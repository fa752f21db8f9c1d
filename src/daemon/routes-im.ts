import type { FastifyInstance } from "fastify";
import { readLogTail } from "../im/log.js";
import type { DaemonContext } from "./context.js";
import type { ImManager } from "./im.js";
import { route } from "./route.js";

/** Paths that platforms call from outside; authenticated by their signatures, not by Host/Origin. */
export const WEBHOOK_PREFIX = "/webhooks/";

/** IM bridge routes (docs/im.md). Secret values go in, never out. */
export function imRoutes(app: FastifyInstance, ctx: DaemonContext, im: ImManager): void {
  const group = (gid: string) => ctx.kernel.group(gid);

  route(app, "im", async ({ params }) => im.view(group(params.gid)));
  route(app, "imConfigure", async ({ params, body }) => im.configure(group(params.gid), body));
  route(app, "imStart", async ({ params }) => im.start(group(params.gid)));
  route(app, "imStop", async ({ params }) => im.stop(group(params.gid)));

  route(app, "imRemove", async ({ params }) => {
    await im.unset(group(params.gid));
    return { ok: true };
  });

  route(app, "imPending", async ({ params }) => {
    const bridge = await im.bridge(group(params.gid));
    return { pending: await bridge.pending() };
  });

  route(app, "imBind", async ({ params, body: { key, actor } }) => {
    const bridge = await im.bridge(group(params.gid));
    // Wrong keys are throttled per source (docs/im.md "Key guessing"): an agent's CLI names itself.
    return bridge.bind(key, "user", actor ? `actor:${actor}` : "user");
  });

  route(app, "imAuthorized", async ({ params }) => {
    const bridge = await im.bridge(group(params.gid));
    return { chats: await bridge.authorized() };
  });

  route(app, "imRevoke", async ({ params, body }) => {
    const bridge = await im.bridge(group(params.gid));
    return { ok: true, ...(await bridge.revoke(body.chat_id)) };
  });

  // DingTalk HTTP mode: the "message receiving URL" (behind your HTTPS reverse proxy). Exempt from
  // the Host/Origin guard because DingTalk is a foreign origin; every request must carry a valid
  // signature or encrypted payload instead.
  route(app, "dingtalkWebhook", async ({ params, req, reply }) => {
    const result = await im.webhook(params.gid, {
      headers: req.headers,
      body: req.body,
      query: req.query as Record<string, string>,
    });
    return reply.code(result.status).send(result.body);
  });

  route(app, "imLogs", async ({ params, query }) => {
    const g = group(params.gid);
    const n = Math.min(5000, Math.max(1, Number(query.n) || 200));
    return { lines: await readLogTail(im.log(g).path, n) };
  });
}
