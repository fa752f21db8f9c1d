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

  // What Settings → IM Bridge renders: each platform's form fields, texts and hints.
  route(app, "imPlatforms", async () => ({ platforms: im.platforms.catalog() }));

  route(app, "im", async ({ params }) => im.view(group(params.gid)));
  route(app, "imConfigure", async ({ params, body }) => im.configure(group(params.gid), body));
  route(app, "imStart", async ({ params }) => im.start(group(params.gid)));
  route(app, "imStop", async ({ params }) => im.stop(group(params.gid)));

  route(app, "imRemove", async ({ params }) => {
    await im.unset(group(params.gid));
    return { ok: true };
  });

  route(app, "imPending", async ({ params }) => {
    const admin = await im.admin(group(params.gid));
    return { pending: await admin.pending() };
  });

  route(app, "imBind", async ({ params, body: { key, actor } }) => {
    const admin = await im.admin(group(params.gid));
    // Wrong keys are throttled per source (docs/im.md "Key guessing"): an agent's CLI names itself.
    return admin.bind(key, "user", actor ? `actor:${actor}` : "user");
  });

  route(app, "imAuthorized", async ({ params }) => {
    const admin = await im.admin(group(params.gid));
    return { chats: await admin.authorized() };
  });

  route(app, "imRevoke", async ({ params, body }) => {
    const admin = await im.admin(group(params.gid));
    return { ok: true, ...(await admin.revoke(body.chat_id)) };
  });

  // HTTP mode: a platform's "message receiving URL" (behind your HTTPS reverse proxy). Exempt from
  // the Host/Origin guard because the platform is a foreign origin; every request must carry a
  // valid signature or encrypted payload instead, checked by the platform's adapter.
  route(app, "imWebhook", async ({ params, req, reply }) => {
    if (!im.platforms.get(params.platform)) return reply.code(404).send({ error: "not found" });
    const result = await im.webhook(params.platform, params.gid, {
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
