import type { FastifyInstance } from "fastify";
import type { ActorEnvView } from "../contract/index.js";
import type { Group } from "../kernel/group.js";
import type { DaemonContext } from "./context.js";
import { route } from "./route.js";

/**
 * An actor's own environment (docs/runners.md, "Actor environment"). Secret values go in, never
 * out: listings show only their names. Changes apply when the actor next starts.
 */
export function actorEnvRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const view = async (group: Group, actorId: string): Promise<ActorEnvView> => ({
    env: await ctx.actorEnv.list(group, actorId),
    /** True while the actor runs an older environment: restart it to apply changes. */
    restart_needed: ctx.actors.status(group, actorId).status === "running",
  });

  route(app, "actorEnv", async ({ params }) => view(ctx.kernel.group(params.gid), params.aid));

  route(app, "setActorEnv", async ({ params, body }) => {
    const group = ctx.kernel.group(params.gid);
    await ctx.actorEnv.set(group, params.aid, params.key, body.value, body.secret ?? false);
    return view(group, params.aid);
  });

  route(app, "unsetActorEnv", async ({ params }) => {
    const group = ctx.kernel.group(params.gid);
    await ctx.actorEnv.unset(group, params.aid, params.key);
    return view(group, params.aid);
  });
}
