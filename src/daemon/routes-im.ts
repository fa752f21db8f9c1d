import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { readLogTail } from "../im/log.js";
import { LIMITS, text } from "../kernel/config.js";
import type { DaemonContext } from "./context.js";
import { parse } from "./errors.js";
import type { ImManager } from "./im.js";

type Params = { gid: string };

/** Paths that platforms call from outside; authenticated by their signatures, not by Host/Origin. */
export const WEBHOOK_PREFIX = "/webhooks/";

const secret = text(LIMITS.credential).optional();
const envName = text(LIMITS.envName).optional();
const ConfigBody = z.object({
  platform: z.literal("dingtalk"),
  app_key: secret,
  app_secret: secret,
  robot_code: secret,
  app_key_env: envName,
  app_secret_env: envName,
  robot_code_env: envName,
  http_token: secret,
  http_aes_key: secret,
  mode: z.enum(["stream", "http"]).optional(),
  language: z.enum(["en", "zh"]).optional(),
  cards: z.enum(["on", "off"]).optional(),
  working: z.enum(["reaction", "card"]).optional(),
  start: z.boolean().optional(),
});

/** IM bridge routes (docs/im.md). Secret values go in, never out. */
export function imRoutes(app: FastifyInstance, ctx: DaemonContext, im: ImManager): void {
  const group = (gid: string) => ctx.kernel.group(gid);
  const base = "/api/v1/groups/:gid/im";

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
    const bridge = await im.bridge(group(req.params.gid));
    return { pending: await bridge.pending() };
  });

  app.post<{ Params: Params }>(`${base}/bind`, async (req) => {
    const { key, actor } = parse(
      z.object({ key: text(LIMITS.token).trim().min(1), actor: text(LIMITS.token).optional() }),
      req.body,
    );
    const bridge = await im.bridge(group(req.params.gid));
    // Wrong keys are throttled per source (docs/im.md "Key guessing"): an agent's CLI names itself.
    return bridge.bind(key, "user", actor ? `actor:${actor}` : "user");
  });

  app.get<{ Params: Params }>(`${base}/authorized`, async (req) => {
    const bridge = await im.bridge(group(req.params.gid));
    return { chats: await bridge.authorized() };
  });

  app.post<{ Params: Params }>(`${base}/revoke`, async (req) => {
    const { chat_id } = parse(z.object({ chat_id: text(LIMITS.token).min(1) }), req.body);
    const bridge = await im.bridge(group(req.params.gid));
    return { ok: true, ...(await bridge.revoke(chat_id)) };
  });

  // DingTalk HTTP mode: the "message receiving URL" (behind your HTTPS reverse proxy). Exempt from
  // the Host/Origin guard because DingTalk is a foreign origin; every request must carry a valid
  // signature or encrypted payload instead.
  app.post<{ Params: Params }>(`${WEBHOOK_PREFIX}dingtalk/:gid`, async (req, reply) => {
    const result = await im.webhook(req.params.gid, {
      headers: req.headers,
      body: req.body,
      query: req.query as Record<string, string>,
    });
    return reply.code(result.status).send(result.body);
  });

  app.get<{ Params: Params; Querystring: { n?: string } }>(`${base}/logs`, async (req) => {
    const g = group(req.params.gid);
    const n = Math.min(5000, Math.max(1, Number(req.query.n) || 200));
    return { lines: await readLogTail(im.log(g).path, n) };
  });
}
