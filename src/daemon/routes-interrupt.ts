import type { FastifyInstance } from "fastify";
import type { DaemonContext } from "./context.js";

/** `POST …/actors/:aid/interrupt`: stop the actor's running turn (`{interrupted:false}` when none ran). */
export function interruptRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  app.post<{ Params: { gid: string; aid: string } }>(
    "/api/v1/groups/:gid/actors/:aid/interrupt",
    async (req) => {
      const group = ctx.kernel.group(req.params.gid);
      group.actor(req.params.aid);
      const interrupted = await ctx.actors.interrupt(group, req.params.aid);
      return { actor_id: req.params.aid, interrupted };
    },
  );
}
