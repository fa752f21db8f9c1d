import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Group } from "../kernel/group.js";
import type { DaemonContext } from "./context.js";
import { parse } from "./errors.js";

type ActorParams = { gid: string; aid: string };
type KeyParams = ActorParams & { key: string };

const SetVar = z.object({ value: z.string(), secret: z.boolean().optional() });

/**
 * An actor's own environment (docs/runners.md, "Actor environment"). Secret values go in, never
 * out: listings show only their names. Changes apply when the actor next starts.
 */
export function actorEnvRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const base = "/api/v1/groups/:gid/actors/:aid/env";

  const view = async (group: Group, actorId: string) => ({
    env: await ctx.actorEnv.list(group, actorId),
    /** True while the actor runs an older environment: restart it to apply changes. */
    restart_needed: ctx.actors.status(group, actorId).status === "running",
  });

  app.get<{ Params: ActorParams }>(base, async (req) => {
    const group = ctx.kernel.group(req.params.gid);
    return view(group, req.params.aid);
  });

  app.put<{ Params: KeyParams }>(`${base}/:key`, async (req) => {
    const group = ctx.kernel.group(req.params.gid);
    const body = parse(SetVar, req.body);
    await ctx.actorEnv.set(group, req.params.aid, req.params.key, body.value, body.secret ?? false);
    return view(group, req.params.aid);
  });

  app.delete<{ Params: KeyParams }>(`${base}/:key`, async (req) => {
    const group = ctx.kernel.group(req.params.gid);
    await ctx.actorEnv.unset(group, req.params.aid, req.params.key);
    return view(group, req.params.aid);
  });
}
