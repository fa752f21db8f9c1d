import type { ApprovalReplies } from "./approvals.js";
import { fenced } from "./approvals.js";

const verb = (d: string) =>
  d === "deny" ? "⛔ Denied" : d === "always" ? "✅ Always allowed" : "✅ Approved";

export const approvalsEn: ApprovalReplies = {
  cardTitle: (a) => `Approval ${a.approval_id}: ${a.actor_id} wants to use ${a.tool}`,
  card(a, minutesLeft) {
    return [
      `🔐 **${a.actor_id}** asks to use **${a.tool}** (approval \`${a.approval_id}\`):`,
      "",
      fenced(a.summary),
      "",
      `Reply \`/approve ${a.approval_id}\`, \`/deny ${a.approval_id} [reason]\` or \`/approve ${a.approval_id} always\` (this tool for the rest of the agent's session). Denied automatically in ${minutesLeft} min.`,
    ].join("\n");
  },
  buttons: { approve: "Approve", deny: "Deny", always: "Always for this session" },
  decided(a, d) {
    const reason = d.reason ? `: ${d.reason}` : "";
    const who = d.via === "timeout" ? "timeout" : `${d.decided_by}, ${d.via}`;
    return `${verb(d.decision)} ${a.approval_id} (${a.actor_id}, ${a.summary.split("\n")[0]}) — ${who}${reason}`;
  },
  list(pending) {
    if (pending.length === 0) return "No approvals are pending.";
    const lines = pending.map(
      (a) =>
        `- \`${a.approval_id}\` ${a.actor_id}: ${a.summary.split("\n")[0]} (until ${a.expires_at.slice(11, 16)} UTC)`,
    );
    return [
      `🔐 Pending approvals (${pending.length}):`,
      ...lines,
      "",
      "Decide with /approve <id> or /deny <id> [reason].",
    ].join("\n");
  },
  notApprover: (id, key) =>
    `🙏 Sorry, you are not an approver for this group, so ${id} stays pending. Approvers are listed in ${key} (by default, whoever bound this chat).`,
  done: (a, decision) => `${verb(decision)} ${a.approval_id} (${a.actor_id}).`,
  doneAll: (ids) => `✅ Approved ${ids.length}: ${ids.join(", ")}.`,
  noneToApprove: "No approvals are pending.",
  usage: "Usage: /approve <id> [always], /approve all [@agent], /deny <id> [reason], /approvals",
  unavailable: "Approvals are not available in this group.",
  failed: (message) => `⚠️ ${message}`,
};
