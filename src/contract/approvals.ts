/** The approval inbox of a group: `/api/v1/groups/:gid/approvals…` (docs/approvals.md). */
import { z } from "zod";
import { LIMITS, text } from "../kernel/limits.js";

const Decision = z.enum(["approve", "deny", "always"]);

/** How a request was decided: a person (who, where), the timeout, or an "always" rule. */
export const ApprovalDecisionInfo = z.strictObject({
  approval_id: z.string(),
  actor_id: z.string(),
  tool: z.string(),
  decision: Decision,
  /** A person's display name and id (`张三 (manager4567)`), `user` (Web UI/CLI) or `system`. */
  decided_by: z.string(),
  /** `web`, `cli`, `timeout`, `rule`, or the chat platform's id (`dingtalk`). */
  via: z.string(),
  /** The chat it was decided in (via a chat platform). */
  chat_id: z.string().optional(),
  reason: z.string().optional(),
  /** The agent that asked was gone (restarted): the decision went to its new session as a message. */
  handed_over: z.boolean().optional(),
  decided_at: z.string(),
});

/** One request of the inbox (the records src/daemon/approvals.ts folds from the ledger). */
export const Approval = z.strictObject({
  /** Short id people type: `/approve <id>`. */
  approval_id: z.string(),
  actor_id: z.string(),
  tool: z.string(),
  /** One readable line or a few: the command, the file and what changes. */
  summary: z.string(),
  /** The tool's input as the agent gave it (long strings clipped). */
  input: z.record(z.string(), z.unknown()),
  tool_use_id: z.string(),
  /** The actor's process when it asked. */
  pid: z.number().int().optional(),
  requested_at: z.string(),
  /** When an undecided request is denied (`approval_timeout`). */
  expires_at: z.string(),
  status: z.enum(["pending", "approved", "denied"]),
  decision: ApprovalDecisionInfo.optional(),
});
export type Approval = z.infer<typeof Approval>;

/** `pending` oldest first; `history` newest first (the last 200 decided). */
export const ApprovalsResponse = z.strictObject({
  pending: z.array(Approval),
  history: z.array(Approval),
});
export const ApprovalResponse = z.strictObject({ approval: Approval });

/** `POST /approvals`: an agent in `ask` mode asks (the MCP prompt tool). Idempotent on `tool_use_id`. */
export const ApprovalRequestBody = z.object({
  actor_id: text(LIMITS.actorId).min(1),
  tool_name: text(LIMITS.token).min(1),
  input: z.record(z.string(), z.unknown()).default({}),
  tool_use_id: text(LIMITS.token).min(1),
});

/** `GET /approvals/:id?wait=S`: hold the request up to S seconds (at most 30) for a decision. */
export const ApprovalWaitQuery = z.object({ wait: z.string().optional() });

/** `POST /approvals/:id/decide`; an already decided request is a 409 `approval_decided`. */
export const DecideBody = z.object({
  decision: Decision,
  reason: text(1000).optional(),
  /** Who decided, as shown in the ledger and the chats (default `user`). */
  by: text(LIMITS.token).optional(),
  via: z.enum(["web", "cli"]).default("web"),
});
