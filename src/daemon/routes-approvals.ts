import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { LIMITS, text } from "../kernel/config.js";
import type { DaemonContext } from "./context.js";
import { parse } from "./errors.js";

type GroupParams = { gid: string };
type ApprovalParams = { gid: string; id: string };

/** The longest a `GET …/approvals/:id?wait=` holds the request (the MCP tool polls again). */
export const MAX_WAIT_S = 30;

const RequestBody = z.object({
  actor_id: text(LIMITS.actorId).min(1),
  tool_name: text(LIMITS.token).min(1),
  input: z.record(z.string(), z.unknown()).default({}),
  tool_use_id: text(LIMITS.token).min(1),
});

const DecideBody = z.object({
  decision: z.enum(["approve", "deny", "always"]),
  reason: text(1000).optional(),
  /** Who decided, as shown in the ledger and the chats (default `user`). */
  by: text(LIMITS.token).optional(),
  via: z.enum(["web", "cli"]).default("web"),
});

/** The approval inbox (docs/approvals.md): list, ask (MCP prompt tool), wait, decide. */
export function approvalRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const group = (gid: string) => ctx.kernel.group(gid);

  app.get<{ Params: GroupParams }>("/api/v1/groups/:gid/approvals", async (req) =>
    ctx.approvals.list(group(req.params.gid)),
  );

  app.post<{ Params: GroupParams }>("/api/v1/groups/:gid/approvals", async (req) => {
    const body = parse(RequestBody, req.body);
    return { approval: await ctx.approvals.request(group(req.params.gid), body) };
  });

  app.get<{ Params: ApprovalParams; Querystring: { wait?: string } }>(
    "/api/v1/groups/:gid/approvals/:id",
    async (req) => {
      const wait = Math.min(Math.max(Number(req.query.wait ?? 0) || 0, 0), MAX_WAIT_S);
      return { approval: await ctx.approvals.wait(group(req.params.gid), req.params.id, wait * 1000) };
    },
  );

  app.post<{ Params: ApprovalParams }>("/api/v1/groups/:gid/approvals/:id/decide", async (req) => {
    const body = parse(DecideBody, req.body);
    const approval = await ctx.approvals.decide(group(req.params.gid), req.params.id, {
      decision: body.decision,
      decided_by: body.by ?? "user",
      via: body.via,
      ...(body.reason ? { reason: body.reason } : {}),
    });
    return { approval };
  });
}
