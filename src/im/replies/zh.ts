/**
 * The bridge's chat texts in Simplified Chinese (`im.language: zh`). Commands, `@all`-style
 * recipients, config keys and `cccc …` command lines stay as they are: users type them.
 */
import { attentionLines } from "./attention.js";
import type { Replies } from "./index.js";

const COMMAND_LIST =
  "/subscribe, /unsubscribe, /send, /stop, /status, /pause, /resume, /verbose, /approvals, /approve, /deny, /help";

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const onOff = (on: boolean) => (on ? "开" : "关");
const how = (direct: boolean) =>
  direct
    ? "普通消息会发给 foreman；要发给其他智能体，请用 /send @<agent>。"
    : "请 @我 并用 /send <消息> 与智能体对话。";

export const zh: Replies = {
  commandList: COMMAND_LIST,

  keyIssued(key, groupTitle, groupId) {
    return [
      `🔑 CCCC 群组「${groupTitle}」需要授权。`,
      "",
      "打开 CCCC Web UI → Settings → IM Bridge，在 Pending Requests 中批准此请求（或把密钥粘贴到 Bind）：",
      key,
      "",
      "或在终端运行：",
      `cccc im bind --key ${key} --group ${groupId}`,
      "",
      "密钥 10 分钟内有效。",
    ].join("\n");
  },

  subscribed(groupTitle, groupId, chatType, sub, already) {
    const head = already ? `✅ 已订阅过 ${groupTitle} [${groupId}]` : `✅ 已订阅 ${groupTitle} [${groupId}]`;
    const paused = sub.paused ? "\n⏸ 消息推送已暂停，发送 /resume 恢复。" : "";
    return `${head}\n详细模式：${onOff(sub.verbose)}${paused}\n${how(chatType === "direct")}\n发送 /help 查看命令。`;
  },

  approved(groupTitle, groupId, chatType) {
    return `✅ 已批准。本会话已订阅 ${groupTitle} [${groupId}]。\n${how(chatType === "direct")}\n发送 /help 查看命令。`;
  },

  keyEvicted: "⌛ 授权密钥在批准前已失效（同时等待批准的会话过多）。请重新发送 /subscribe 获取新密钥。",
  revoked: "🔒 本会话访问 CCCC 的权限已被撤销。发送 /subscribe 可重新申请。",
  unauthorizedHint: "🔒 本会话尚未连接 CCCC。发送 /subscribe 申请访问。",
  notSubscribed: "ℹ️ 本会话尚未订阅。请先发送 /subscribe。",
  unsubscribed: "👋 已取消订阅并移除授权。发送 /subscribe 可重新连接（需要重新批准）。",
  pausedReply: "⏸ 本会话已暂停，消息未发送。发送 /resume 恢复。",
  paused: "⏸ 已暂停。发送 /resume 之前，智能体的消息不会推送到本会话（仍保留在群组历史中）。",
  alreadyPaused: "⏸ 已经是暂停状态。发送 /resume 恢复。",
  sendUsage: "用法：/send [@agent …] <消息>",
  verboseUsage: "用法：/verbose [on|off]",
  groupPlainHint:
    "ℹ️ 群聊中只转发命令。请用 /send <消息>（或 /send @<agent> <消息>）。发送 /help 查看全部命令。",

  resumed(heldBack) {
    if (heldBack === 0) return "▶️ 已恢复。暂停期间没有新的智能体消息。";
    return `▶️ 已恢复。暂停期间有 ${heldBack} 条智能体消息未推送到这里，请在 CCCC Web UI 中查看。`;
  },

  verbose(on) {
    return on ? "👁 详细模式：开。你也会看到智能体之间的消息。" : "👁 详细模式：关。你只会看到发给你的消息。";
  },

  unknownCommand(name) {
    return `❓ 未知命令 /${name}。可用命令：${COMMAND_LIST}。发送 /help 查看说明。`;
  },

  stopped(actorId, hadTurn) {
    return hadTurn ? `⏹️ 已停止 ${actorId} 当前的回复。` : `ℹ️ ${actorId} 当前没有在回复，无需停止。`;
  },

  help(chatType) {
    const commands = [
      "/subscribe：开始接收 CCCC 的消息",
      "/unsubscribe：停止接收消息",
      "/send <消息>：发给 foreman",
      "/send @<agent> <消息>：发给指定智能体（可 @ 多个）",
      "/send @all <消息>：发给所有智能体",
      "/send @peers <消息>：发给 foreman 以外的智能体",
      "/stop [@agent]：停止智能体当前的回复（默认 foreman）",
      "/status：群组和智能体状态",
      "/pause：暂停消息推送",
      "/resume：恢复消息推送",
      "/verbose [on|off]：显示或隐藏智能体之间的消息（不带参数则切换）",
      "/approvals：列出等待审批的工具调用",
      "/approve <id> [always] · /approve all [@智能体] · /deny <id> [原因]：审批（仅审批人）",
      "/help：显示本列表",
    ];
    const note =
      chatType === "direct"
        ? "在本会话中发送的普通消息会发给 foreman。"
        : "在群聊中，每条命令前都要先 @我；不带 /send 的普通消息不会转发。";
    return ["CCCC 命令：", "", ...commands.map((c) => `- ${c}`), "", note].join("\n");
  },

  status(info, groupId, sub, lastError, queued = 0) {
    const lines = [`📊 ${info.title} [${groupId}]`, "", `状态：${info.state}`, "", "智能体：", ""];
    if (info.actors.length === 0) lines.push("- 还没有智能体。可在 Web UI 中添加，或运行 cccc actor add。");
    for (const a of info.actors) {
      const icon = a.role === "foreman" ? "👑" : "👤";
      const run =
        a.status === "running"
          ? a.attention
            ? "🟠 卡住了"
            : a.turn === "working"
              ? `🔵 工作中${a.activity ? `（${a.activity}）` : ""}`
              : a.turn === "idle"
                ? "🟢 空闲"
                : "🟢 运行中"
          : a.status === "crashed"
            ? "🔴 已崩溃"
            : a.status === "exited"
              ? "⚪ 已退出（正常结束）"
              : "⚪ 已停止";
      const name =
        a.title && a.title !== a.id ? `${a.title} (@${a.id}, ${a.runtime})` : `@${a.id} (${a.runtime})`;
      lines.push(`- ${icon} ${name}：${run}，${a.unread} 条未读`);
      if (a.attention) lines.push(...attentionLines(a.attention, "⚠️ 需要处理", "终端最后几行"));
    }
    lines.push("");
    if (!sub?.subscribed) lines.push("本会话：未订阅");
    else {
      const paused = sub.paused ? `已暂停（${sub.held_back} 条未推送）` : "推送中";
      lines.push(`本会话：已订阅，${paused}，详细模式${onOff(sub.verbose)}`);
    }
    if (queued > 0)
      lines.push("", `⏳ 本会话有 ${queued} 条消息排队待发：受发送频率限制，按顺序发出，不会丢失`);
    if (lastError)
      lines.push("", `⚠️ 最近一次桥接错误（${lastError.at}）：[${lastError.code}] ${lastError.message}`);
    return lines.join("\n");
  },

  board: {
    title: (groupTitle) => `团队看板 · ${groupTitle}`,
    live: (until) => `🔄 实时更新中，持续到 ${until}。`,
    ended: (at) => `⏸ 已于 ${at} 停止实时更新。发送 /status 获取最新看板。`,
  },

  unknownRecipient(token, actors) {
    const known = actors.map((a) => `@${a.id}${a.role === "foreman" ? " (foreman)" : ""}`).join(", ");
    return `❌ 未知收件人 ${token}。\n智能体：${known || "暂无"}\n另外可用：@all、@peers、@foreman。`;
  },

  noAgents: "⚠️ 本群组还没有智能体。可在 CCCC Web UI 中添加，或运行 `cccc actor add`。",
  noPeers: "⚠️ 没有与 @peers 匹配的智能体（本群组只有 foreman）。发送 /status 查看智能体。",
  noForeman: "⚠️ 本群组没有 foreman。发送 /status 查看智能体。",

  sendFailed(message) {
    return `❌ 发送失败：${message}`;
  },

  fileTooLarge(name, maxMb) {
    return `⚠️ 附件“${name}”超过 ${maxMb} MB，未转发；文字已单独发出。`;
  },

  fileFailed(name, why) {
    return `⚠️ 无法下载附件“${name}”（${why}）；文字已单独发出。`;
  },

  filesDisabled: "⚠️ 本群组已关闭文件转发（im.files.enabled）；文字已发出，附件未转发。",

  slowDown(count, limit, seconds) {
    return `🐢 请慢一点：有 ${count} 条消息未转发给智能体（上限：每 ${seconds} 秒 ${limit} 条）。请稍后重新发送。`;
  },

  unsupportedType(rawType) {
    return `⚠️ 暂不支持这种消息类型（${rawType}），未转发任何内容。请发送文字、图片或文件。`;
  },

  emptyMessage(chatType) {
    return chatType === "direct"
      ? "ℹ️ 消息为空，未转发。请发送文字，或发送 /help 查看命令。"
      : "ℹ️ 消息为空，未转发。请 @我 并用 /send <消息>，或发送 /help 查看命令。";
  },

  textCut(bytes, keptBytes) {
    return `✂️ 你的消息有 ${mb(bytes)}，只转发了前 ${mb(keptBytes)}。其余内容请作为文件发送。`;
  },

  attachmentUnreadable(name, why) {
    return `📎 ${name} 无法读取（${why}），未发送。`;
  },

  attachmentOverLimit(name, limitMb, size) {
    return `📎 ${name}${size ? `（${size}）` : ""} 超过 ${limitMb} MB 上限，未发送。`;
  },

  attachmentNotSent(name, code, message) {
    return `📎 ${name} 发送失败（${code}: ${message}）。`;
  },

  attachmentsDisabled(count) {
    return `📎 ${count} 个附件未发送：本群组已关闭文件发送（im.files.enabled）。`;
  },

  buttons: {
    status: "状态",
    refresh: "刷新",
    pause: "暂停",
    resume: "恢复",
    verbose: "详细模式",
    verboseOn: "开启详细模式",
    verboseOff: "关闭详细模式",
    stop: "停止",
  },
};
