/**
 * `/approve <id> [always]`, `/approve all [@agent]`, `/deny <id> [reason]` and `/approvals` from an
 * authorized chat (docs/approvals.md). Only approvers decide: the staff ids in
 * the platform's `im.<platform>_approvers`, or, when that is not set, the person who bound the chat. Anyone else is
 * told so politely and the request stays pending.
 */

import { errorCode } from "./bridge-errors.js";
import type { CommandContext } from "./commands.js";
import { approvalRepliesFor, stamp, viaShown } from "./replies/approvals.js";
import type { ApprovalView } from "./types.js";

export type ApprovalCommand = "approve" | "deny" | "approvals";

export function isApprover(ctx: CommandContext, approvers: readonly string[] | undefined): boolean {
  const { message } = ctx;
  const ids = [message.staffId, message.userId].filter((v): v is string => !!v);
  if (approvers !== undefined) return ids.some((id) => approvers.includes(id));
  const bound = ctx.state.authorized(message.chatId)?.bound_user;
  return bound !== undefined && ids.includes(bound);
}

export async function approvalCommand(
  ctx: CommandContext,
  name: ApprovalCommand,
  args: string,
): Promise<void> {
  const t = approvalRepliesFor(ctx.language ?? "en");
  const approvals = ctx.approvals;
  if (!approvals) return ctx.reply(t.unavailable);
  if (name === "approvals") return ctx.reply(t.list(await approvals.pending()));
  const [first = "", ...rest] = args.split(/\s+/).filter((w) => w !== "");
  if (first === "") return ctx.reply(t.usage);
  const { message } = ctx;
  if (!isApprover(ctx, approvals.approvers())) {
    ctx.log?.(
      `[approvals] ${message.userName} (${message.staffId ?? message.userId}) may not decide ${first}`,
    );
    return ctx.reply(t.notApprover(first, approvals.approversKey));
  }
  const decidedBy = `${message.userName} (${message.staffId ?? message.userId})`;
  const decide = (id: string, decision: "approve" | "deny" | "always", reason?: string) =>
    approvals.decide(id, {
      decision,
      decided_by: decidedBy,
      chat_id: message.chatId,
      ...(reason ? { reason } : {}),
    });
  try {
    if (name === "approve" && first.toLowerCase() === "all") {
      const actor = rest[0]?.replace(/^@/, "");
      const pending = (await approvals.pending()).filter((a) => !actor || a.actor_id === actor);
      if (pending.length === 0) return ctx.reply(t.noneToApprove);
      const done: ApprovalView[] = [];
      for (const a of pending) done.push(await decide(a.approval_id, "approve"));
      return ctx.reply(t.doneAll(done.map((a) => a.approval_id)));
    }
    if (name === "approve") {
      const decision = rest[0]?.toLowerCase() === "always" ? "always" : "approve";
      return ctx.reply(t.done(await decide(first, decision), decision));
    }
    const reason = rest.join(" ").trim();
    return ctx.reply(t.done(await decide(first, "deny", reason || undefined), "deny"));
  } catch (err) {
    const already = alreadyDecided(err, ctx.platform);
    if (already) return ctx.reply(t.alreadyDecided(already.id ?? first, already));
    return ctx.reply(t.failed(err instanceof Error ? err.message : String(err)));
  }
}

/** `approval_decided` (someone was faster, or an old button): who decided it, from where, when. */
function alreadyDecided(err: unknown, platform: CommandContext["platform"]) {
  if (errorCode(err) !== "approval_decided") return undefined;
  const d = (err as { details?: Record<string, unknown> }).details ?? {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const at = Date.parse(str(d.decided_at) ?? "");
  return {
    id: str(d.approval_id),
    status: str(d.status) ?? "decided",
    decision: str(d.status) === "denied" ? "deny" : "approve",
    decided_by: str(d.decided_by) ?? "someone",
    via: viaShown(str(d.via) ?? "?", platform),
    at: Number.isNaN(at) ? "?" : stamp(new Date(at)),
  };
}
