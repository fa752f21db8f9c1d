import type { FastifyInstance } from "fastify";
import type { DaemonContext } from "./context.js";
import { route } from "./route.js";

/** `POST …/actors/:aid/interrupt`: stop the actor's running turn (`{interrupted:false}` when none ran). */
export function interruptRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  route(app, "interruptActor", async ({ params }) => {
    const group = ctx.kernel.group(params.gid);
    group.actor(params.aid);
    const interrupted = await ctx.actors.interrupt(group, params.aid);
    return { actor_id: params.aid, interrupted };
  });
}
