/**
 * `cccc_approval_prompt`: the tool Claude Code calls through `--permission-prompt-tool` in
 * permission mode `ask` (docs/approvals.md). Claude Code's contract (2.1.x): the input is
 * `{tool_name, input, tool_use_id}`; the result is ONE text block holding
 * `{"behavior":"allow","updatedInput":{…}}` or `{"behavior":"deny","message":"…"}`.
 * The call files the request with the daemon and long-polls for the decision; while the daemon is
 * away (a restart) it retries, and it always answers: past the request's deadline it denies.
 */

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { type DaemonClient, DaemonDownError } from "../client/daemon-client.js";
import { denialMessage } from "../kernel/approval.js";

export const APPROVAL_TOOL = "cccc_approval_prompt";

/** Seconds one long-poll asks the daemon to hold. */
const POLL_S = 25;
/** How long the tool keeps retrying a daemon that does not answer, past the request's deadline. */
const GRACE_MS = 60_000;
const RETRY_MS = 1000;

export interface ApprovalToolTimings {
  pollS?: number;
  graceMs?: number;
  retryMs?: number;
}

type Answer =
  | { behavior: "allow"; updatedInput: Record<string, unknown> }
  | { behavior: "deny"; message: string };

const text = (a: Answer) => ({ content: [{ type: "text" as const, text: JSON.stringify(a) }] });

export function registerApprovalTool(
  server: McpServer,
  client: DaemonClient,
  who: () => { actorId: string; groupId: string },
  timings: ApprovalToolTimings = {},
): void {
  const shape = {
    tool_name: z.string().min(1),
    input: z.record(z.string(), z.unknown()).default({}),
    tool_use_id: z.string().optional(),
  };
  server.registerTool(
    APPROVAL_TOOL,
    {
      description:
        "Asks the people of this CCCC group to approve a tool call (used by Claude Code's --permission-prompt-tool; do not call it yourself).",
      inputSchema: shape,
    },
    (async (args: { tool_name: string; input: Record<string, unknown>; tool_use_id?: string }) => {
      try {
        return text(await decide(client, who(), args, timings));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return text({ behavior: "deny", message: `CCCC could not ask for approval: ${message}` });
      }
    }) as never,
  );
}

async function decide(
  client: DaemonClient,
  me: { actorId: string; groupId: string },
  args: { tool_name: string; input: Record<string, unknown>; tool_use_id?: string },
  t: ApprovalToolTimings,
): Promise<Answer> {
  const grace = t.graceMs ?? GRACE_MS;
  let deadline = Date.now() + grace;
  const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof DaemonDownError) || Date.now() > deadline) throw err;
        await new Promise((ok) => setTimeout(ok, t.retryMs ?? RETRY_MS));
      }
    }
  };
  const toolUseId = args.tool_use_id ?? `${args.tool_name}:${JSON.stringify(args.input)}`;
  const gid = me.groupId;
  let { approval } = await retrying(() =>
    client.call(
      "requestApproval",
      { gid },
      { actor_id: me.actorId, tool_name: args.tool_name, input: args.input, tool_use_id: toolUseId },
    ),
  );
  const id = approval.approval_id;
  while (approval.status === "pending") {
    deadline = Math.max(deadline, Date.parse(approval.expires_at) + grace);
    ({ approval } = await retrying(() =>
      client.call("getApproval", { gid, id }, undefined, { wait: t.pollS ?? POLL_S }),
    ));
  }
  if (approval.status === "approved") return { behavior: "allow", updatedInput: args.input };
  return { behavior: "deny", message: denialMessage(approval) };
}
