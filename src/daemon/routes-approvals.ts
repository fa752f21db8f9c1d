import type { FastifyInstance } from "fastify";
import type { DaemonContext } from "./context.js";
import { route } from "./route.js";

/** The longest a `GET …/approvals/:id?wait=` holds the request (the MCP tool polls again). */
export const MAX_WAIT_S = 30;

/** The approval inbox (docs/approvals.md): list, ask (MCP prompt tool), wait, decide. */
export function approvalRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const group = (gid: string) => ctx.kernel.group(gid);

  route(app, "listApprovals", async ({ params }) => ctx.approvals.list(group(params.gid)));

  route(app, "requestApproval", async ({ params, body }) => ({
    approval: await ctx.approvals.request(group(params.gid), body),
  }));

  route(app, "getApproval", async ({ params, query }) => {
    // A wait that is not a number is no wait: the record comes back at once.
    const wait = Math.min(Math.max(Number(query.wait ?? 0) || 0, 0), MAX_WAIT_S);
    return { approval: await ctx.approvals.wait(group(params.gid), params.id, wait * 1000) };
  });

  route(app, "decideApproval", async ({ params, body }) => {
    const approval = await ctx.approvals.decide(group(params.gid), params.id, {
      decision: body.decision,
      decided_by: body.by ?? "user",
      via: body.via,
      ...(body.reason ? { reason: body.reason } : {}),
    });
    return { approval };
  });
}
