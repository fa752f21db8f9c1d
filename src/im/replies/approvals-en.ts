import type { ApprovalReplies } from "./approvals.js";
import { type DecisionView, fenced } from "./approvals.js";

const verb = (d: string) =>
  d === "deny" ? "⛔ Denied" : d === "always" ? "✅ Always allowed" : "✅ Approved";

const VIA: Record<string, string> = { web: "the Web UI", cli: "the CLI" };
/** "by 张三 (manager4567) in <platform name>", "by a user in the Web UI", "automatically: …". */
function byWhom(d: DecisionView): string {
  if (d.via === "timeout") return "automatically: nobody decided in time";
  if (d.via === "rule") return "automatically (a rule)";
  const who = d.decided_by === "user" ? "a user" : d.decided_by;
  return `by ${who} in ${VIA[d.via] ?? d.via}`;
}

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
  decidedTitle: (a, decision) =>
    `${verb(decision)}: ${a.actor_id} using ${a.tool} (approval ${a.approval_id})`,
  decidedCard(a, d) {
    const scope = d.decision === "always" ? ` (${a.tool} for the rest of ${a.actor_id}'s session)` : "";
    return [
      `${verb(d.decision).replace(/^(\S+) (.*)$/, "$1 **$2**")}${scope} ${byWhom(d)}, ${d.at}.`,
      ...(d.reason && d.via !== "timeout" ? ["", `Reason: ${d.reason}`] : []),
      ...(d.handed_over ? ["", "The agent had been restarted meanwhile; its new session was told."] : []),
      "",
      `**${a.actor_id}** asked to use **${a.tool}** (approval \`${a.approval_id}\`):`,
      "",
      fenced(a.summary),
    ].join("\n");
  },
  cardPermission: (scope, help) =>
    `ℹ️ Approval requests come as messages (the card cannot show the decision) because the app lacks the permission "${scope}". ${help.en}`,
  alreadyDecided: (id, d) => `🙏 ${id} was already ${d.status} ${byWhom(d)}, ${d.at}, so nothing changed.`,
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
