/**
 * The daemon side of a structured session's approval request (Codex in permission mode `ask`, see
 * docs/approvals.md): files the tool call in the group's inbox and waits for the decision, the same
 * pipeline Claude Code's prompt tool uses over HTTP. While the process that asked is alive it waits;
 * once it is gone (a restart) the wait ends and the request stays pending in the inbox, to be decided
 * and handed over to the next session.
 */

import { denialMessage } from "../kernel/approval.js";
import { CcccError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import type { ToolApprovalAnswer, ToolApprovalRequest } from "../runners/structured-protocol.js";
import type { ApprovalService } from "./approvals.js";

/** One wait on the inbox; the loop re-checks that the asking process is still there in between. */
const WAIT_MS = 5_000;

export async function answerToolApproval(
  approvals: ApprovalService,
  group: Group,
  actorId: string,
  request: ToolApprovalRequest,
  alive: () => boolean,
): Promise<ToolApprovalAnswer> {
  let r = await approvals.request(group, {
    actor_id: actorId,
    tool_name: request.tool,
    input: request.input,
    tool_use_id: request.toolUseId,
  });
  while (r.status === "pending") {
    if (!alive() || approvals.isClosed) {
      throw new CcccError(
        "approval_asker_gone",
        `The process that asked for approval ${r.approval_id} is gone; the request stays pending in the inbox and its decision is handed over to the restarted agent.`,
      );
    }
    r = await approvals.wait(group, r.approval_id, WAIT_MS);
  }
  if (r.status === "denied") return { decision: "deny", message: denialMessage(r) };
  // An "always" rule's later approvals are plain approvals: Codex's session approval covers only
  // the command it was given for, so each later call is answered on its own.
  return { decision: r.decision?.decision === "always" ? "always" : "approve" };
}
