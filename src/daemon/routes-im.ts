import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { readLogTail } from "../im/log.js";
import type { PlatformRegistry } from "../im/registry.js";
import { LIMITS, text } from "../kernel/config.js";
import type { DaemonContext } from "./context.js";
import { parse } from "./errors.js";
import type { ImManager } from "./im.js";

type Params = { gid: string };

/** Paths that platforms call from outside; authenticated by their signatures, not by Host/Origin. */
export const WEBHOOK_PREFIX = "/webhooks/";

const secret = text(LIMITS.credential).optional();
const envName = text(LIMITS.envName).optional();

/** `PUT /im/config`: the neutral keys plus every registered platform's credential fields. */
function configBody(platforms: PlatformRegistry) {
  const { values, envs } = platforms.credentialFields();
  const shape: Record<string, typeof secret> = {};
  for (const id of values) shape[id] = secret;
  for (const id of envs) shape[id] = envName;
  return z.object({
    platform: text(LIMITS.token),
    ...shape,
    mode: z.enum(["stream", "http"]).optional(),
    language: z.enum(["en", "zh"]).optional(),
    cards: z.enum(["on", "off"]).optional(),
    working: z.enum(["reaction", "card"]).optional(),
    start: z.boolean().optional(),
  });
}

/** IM bridge routes (docs/im.md). Secret values go in, never out. */
export function imRoutes(app: FastifyInstance, ctx: DaemonContext, im: ImManager): void {
  const group = (gid: string) => ctx.kernel.group(gid);
  const base = "/api/v1/groups/:gid/im";
  const ConfigBody = configBody(im.platforms);

  // What Settings → IM Bridge renders: each platform's form fields, texts and hints.
  app.get("/api/v1/im/platforms", async () => ({ platforms: im.platforms.catalog() }));

  app.get<{ Params: Params }>(base, async (req) => im.view(group(req.params.gid)));

  app.put<{ Params: Params }>(`${base}/config`, async (req) => {
    const body = parse(ConfigBody, req.body);
    return im.configure(group(req.params.gid), body);
  });

  app.post<{ Params: Params }>(`${base}/start`, async (req) => im.start(group(req.params.gid)));
  app.post<{ Params: Params }>(`${base}/stop`, async (req) => im.stop(group(req.params.gid)));

  app.delete<{ Params: Params }>(base, async (req) => {
    await im.unset(group(req.params.gid));
    return { ok: true };
  });

  app.get<{ Params: Params }>(`${base}/pending`, async (req) => {
    const admin = await im.admin(group(req.params.gid));
    return { pending: await admin.pending() };
  });

  app.post<{ Params: Params }>(`${base}/bind`, async (req) => {
    const { key, actor } = parse(
      z.object({ key: text(LIMITS.token).trim().min(1), actor: text(LIMITS.token).optional() }),
      req.body,
    );
    const admin = await im.admin(group(req.params.gid));
    // Wrong keys are throttled per source (docs/im.md "Key guessing"): an agent's CLI names itself.
    return admin.bind(key, "user", actor ? `actor:${actor}` : "user");
  });

  app.get<{ Params: Params }>(`${base}/authorized`, async (req) => {
    const admin = await im.admin(group(req.params.gid));
    return { chats: await admin.authorized() };
  });

  app.post<{ Params: Params }>(`${base}/revoke`, async (req) => {
    const { chat_id } = parse(z.object({ chat_id: text(LIMITS.token).min(1) }), req.body);
    const admin = await im.admin(group(req.params.gid));
    return { ok: true, ...(await admin.revoke(chat_id)) };
  });

  // HTTP mode: a platform's "message receiving URL" (behind your HTTPS reverse proxy). Exempt from
  // the Host/Origin guard because the platform is a foreign origin; every request must carry a
  // valid signature or encrypted payload instead, checked by the platform's adapter.
  app.post<{ Params: Params & { platform: string } }>(
    `${WEBHOOK_PREFIX}:platform/:gid`,
    async (req, reply) => {
      if (!im.platforms.get(req.params.platform)) return reply.code(404).send({ error: "not found" });
      const result = await im.webhook(req.params.platform, req.params.gid, {
        headers: req.headers,
        body: req.body,
        query: req.query as Record<string, string>,
      });
      return reply.code(result.status).send(result.body);
    },
  );

  app.get<{ Params: Params; Querystring: { n?: string } }>(`${base}/logs`, async (req) => {
    const g = group(req.params.gid);
    const n = Math.min(5000, Math.max(1, Number(req.query.n) || 200));
    return { lines: await readLogTail(im.log(g).path, n) };
  });
}
