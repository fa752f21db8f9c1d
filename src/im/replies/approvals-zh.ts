import type { ApprovalReplies } from "./approvals.js";
import { type DecisionView, fenced } from "./approvals.js";

const verb = (d: string) => (d === "deny" ? "⛔ 已拒绝" : d === "always" ? "✅ 已始终允许" : "✅ 已批准");

const VIA: Record<string, string> = { web: "网页", cli: "命令行" };
const STATUS: Record<string, string> = { approved: "批准", denied: "拒绝" };
/** "审批人 张三 (manager4567)，来自<平台名>", "无人及时处理，自动拒绝". */
function byWhom(d: DecisionView): string {
  if (d.via === "timeout") return "无人及时处理，自动拒绝";
  if (d.via === "rule") return "按规则自动处理";
  const who = d.decided_by === "user" ? "用户" : d.decided_by;
  return `审批人 ${who}，来自${VIA[d.via] ?? ` ${d.via}`}`;
}

export const approvalsZh: ApprovalReplies = {
  cardTitle: (a) => `审批 ${a.approval_id}：${a.actor_id} 请求使用 ${a.tool}`,
  card(a, minutesLeft) {
    return [
      `🔐 **${a.actor_id}** 请求使用 **${a.tool}**（审批 \`${a.approval_id}\`）：`,
      "",
      fenced(a.summary),
      "",
      `回复 \`/approve ${a.approval_id}\` 批准，\`/deny ${a.approval_id} [原因]\` 拒绝，或 \`/approve ${a.approval_id} always\`（本次会话内始终允许此工具）。${minutesLeft} 分钟内无人处理将自动拒绝。`,
    ].join("\n");
  },
  buttons: { approve: "批准", deny: "拒绝", always: "本次会话始终允许" },
  decided(a, d) {
    const reason = d.reason ? `：${d.reason}` : "";
    const who = d.via === "timeout" ? "超时" : `${d.decided_by}，${d.via}`;
    return `${verb(d.decision)} ${a.approval_id}（${a.actor_id}，${a.summary.split("\n")[0]}）— ${who}${reason}`;
  },
  decidedTitle: (a, decision) => `${verb(decision)}：${a.actor_id} 使用 ${a.tool}（审批 ${a.approval_id}）`,
  decidedCard(a, d) {
    const scope = d.decision === "always" ? `（本次会话内 ${a.actor_id} 的 ${a.tool}）` : "";
    return [
      `${verb(d.decision).replace(/^(\S+) (.*)$/, "$1 **$2**")}${scope}（${byWhom(d)}，${d.at}）`,
      ...(d.reason && d.via !== "timeout" ? ["", `原因：${d.reason}`] : []),
      ...(d.handed_over ? ["", "智能体期间已重启，已通知其新会话。"] : []),
      "",
      `**${a.actor_id}** 请求使用 **${a.tool}**（审批 \`${a.approval_id}\`）：`,
      "",
      fenced(a.summary),
    ].join("\n");
  },
  cardPermission: (scope, help) =>
    `ℹ️ 审批请求以普通消息发送（卡片无法显示审批结果），因为应用缺少权限“${scope}”。${help.zh}`,
  alreadyDecided: (id, d) =>
    `🙏 ${id} 已被${STATUS[d.status] ?? d.status}（${byWhom(d)}，${d.at}），本次操作未做更改。`,
  list(pending) {
    if (pending.length === 0) return "当前没有待审批的请求。";
    const lines = pending.map(
      (a) =>
        `- \`${a.approval_id}\` ${a.actor_id}：${a.summary.split("\n")[0]}（截止 ${a.expires_at.slice(11, 16)} UTC）`,
    );
    return [
      `🔐 待审批（${pending.length}）：`,
      ...lines,
      "",
      "用 /approve <id> 或 /deny <id> [原因] 处理。",
    ].join("\n");
  },
  notApprover: (id, key) =>
    `🙏 抱歉，您不是本群组的审批人，${id} 仍在等待审批。审批人由 ${key} 指定（默认是绑定此聊天的人）。`,
  done: (a, decision) => `${verb(decision)} ${a.approval_id}（${a.actor_id}）。`,
  doneAll: (ids) => `✅ 已批准 ${ids.length} 个：${ids.join("、")}。`,
  noneToApprove: "当前没有待审批的请求。",
  usage: "用法：/approve <id> [always]、/approve all [@智能体]、/deny <id> [原因]、/approvals",
  unavailable: "此群组没有审批功能。",
  failed: (message) => `⚠️ ${message}`,
};
