/** The bridge's chat texts in English (the default; `im.language: en`). */
import { attentionLines } from "./attention.js";
import type { Replies } from "./index.js";

const COMMAND_LIST =
  "/subscribe, /unsubscribe, /send, /stop, /status, /pause, /resume, /verbose, /approvals, /approve, /deny, /help";

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export const en: Replies = {
  commandList: COMMAND_LIST,

  keyIssued(key, groupTitle, groupId) {
    return [
      `🔑 Authorization required for CCCC group "${groupTitle}".`,
      "",
      "Open the CCCC Web UI → Settings → IM Bridge and approve this request under Pending Requests (or paste the key into Bind):",
      key,
      "",
      "Or run in a terminal:",
      `cccc im bind --key ${key} --group ${groupId}`,
      "",
      "The key expires in 10 minutes.",
    ].join("\n");
  },

  subscribed(groupTitle, groupId, chatType, sub, already) {
    const head = already
      ? `✅ Already subscribed to ${groupTitle} [${groupId}]`
      : `✅ Subscribed to ${groupTitle} [${groupId}]`;
    const how =
      chatType === "direct"
        ? "Plain text goes to the foreman; use /send @<agent> for someone else."
        : "@mention me and use /send <message> to talk to the agents.";
    const paused = sub.paused ? "\n⏸ Delivery is paused. Send /resume to continue." : "";
    return `${head}\nVerbose mode: ${sub.verbose ? "on" : "off"}${paused}\n${how}\nUse /help for commands.`;
  },

  approved(groupTitle, groupId, chatType) {
    return `✅ Approved. This chat is now subscribed to ${groupTitle} [${groupId}].\n${
      chatType === "direct"
        ? "Plain text goes to the foreman; use /send @<agent> for someone else."
        : "@mention me and use /send <message> to talk to the agents."
    }\nUse /help for commands.`;
  },

  keyEvicted:
    "⌛ Your authorization key expired before it was approved (too many chats were waiting at once). Send /subscribe again for a new key.",
  revoked: "🔒 This chat's access to CCCC was revoked. Send /subscribe to request it again.",
  unauthorizedHint: "🔒 This chat is not connected to CCCC yet. Send /subscribe to request access.",
  notSubscribed: "ℹ️ This chat is not subscribed. Send /subscribe first.",
  unsubscribed:
    "👋 Unsubscribed and authorization removed. Send /subscribe to connect again (it needs a new approval).",
  pausedReply: "⏸ This chat is paused, so nothing was sent. Send /resume to continue.",
  paused:
    "⏸ Paused. Agent messages are not delivered to this chat until you send /resume (they stay in the group history).",
  alreadyPaused: "⏸ Already paused. Send /resume to continue.",
  sendUsage: "Usage: /send [@agent …] <message>",
  verboseUsage: "Usage: /verbose [on|off]",
  groupPlainHint:
    "ℹ️ In group chats only commands are forwarded. Use /send <message> (or /send @<agent> <message>). Send /help for all commands.",

  resumed(heldBack) {
    if (heldBack === 0) return "▶️ Resumed. No agent messages arrived while paused.";
    const n = heldBack === 1 ? "1 agent message was" : `${heldBack} agent messages were`;
    return `▶️ Resumed. ${n} held back while paused and not delivered here; see them in the CCCC Web UI.`;
  },

  verbose(on) {
    return on
      ? "👁 Verbose mode: on. You also see messages between agents."
      : "👁 Verbose mode: off. You see only messages addressed to you.";
  },

  unknownCommand(name) {
    return `❓ Unknown command /${name}. Commands: ${COMMAND_LIST}. Send /help for details.`;
  },

  stopped(actorId, hadTurn) {
    return hadTurn
      ? `⏹️ Stopped ${actorId}'s current reply.`
      : `ℹ️ ${actorId} is not replying right now; nothing to stop.`;
  },

  help(chatType) {
    const commands = [
      "/subscribe: start receiving messages from CCCC",
      "/unsubscribe: stop receiving messages",
      "/send <message>: send to the foreman",
      "/send @<agent> <message>: send to one agent (several @agents allowed)",
      "/send @all <message>: send to all agents",
      "/send @peers <message>: send to non-foreman agents",
      "/stop [@agent]: stop the agent's current reply (the foreman by default)",
      "/status: group and agent status",
      "/pause: pause message delivery",
      "/resume: resume message delivery",
      "/verbose [on|off]: show or hide agent-to-agent messages (no argument toggles)",
      "/approvals: list the tool calls waiting for approval",
      "/approve <id> [always] · /approve all [@agent] · /deny <id> [reason]: decide (approvers only)",
      "/help: this list",
    ];
    const note =
      chatType === "direct"
        ? "Plain text in this chat goes to the foreman."
        : "In a group, @mention me before every command; plain messages without /send are not forwarded.";
    return ["CCCC commands:", "", ...commands.map((c) => `- ${c}`), "", note].join("\n");
  },

  status(info, groupId, sub, lastError, queued = 0) {
    const lines = [`📊 ${info.title} [${groupId}]`, "", `State: ${info.state}`, "", "Agents:", ""];
    if (info.actors.length === 0)
      lines.push("- No agents yet. Add one in the Web UI or with cccc actor add.");
    for (const a of info.actors) {
      const icon = a.role === "foreman" ? "👑" : "👤";
      const run =
        a.status === "running"
          ? a.attention
            ? "🟠 stuck"
            : a.turn === "working"
              ? `🔵 working${a.activity ? ` (${a.activity})` : ""}`
              : a.turn === "idle"
                ? "🟢 idle"
                : "🟢 running"
          : a.status === "crashed"
            ? "🔴 crashed"
            : a.status === "exited"
              ? "⚪ exited (finished)"
              : "⚪ stopped";
      const name =
        a.title && a.title !== a.id ? `${a.title} (@${a.id}, ${a.runtime})` : `@${a.id} (${a.runtime})`;
      lines.push(`- ${icon} ${name}: ${run}, ${a.unread} unread`);
      if (a.attention) lines.push(...attentionLines(a.attention, "⚠️ needs attention", "last screen lines"));
    }
    lines.push("");
    if (!sub?.subscribed) lines.push("This chat: not subscribed");
    else {
      const paused = sub.paused ? `paused (${sub.held_back} held back)` : "delivering";
      lines.push(`This chat: subscribed, ${paused}, verbose ${sub.verbose ? "on" : "off"}`);
    }
    if (queued > 0)
      lines.push(
        "",
        `⏳ ${queued} message${queued === 1 ? "" : "s"} queued for this chat: the rate limit paces them, in order, none dropped`,
      );
    if (lastError)
      lines.push("", `⚠️ Last bridge error (${lastError.at}): [${lastError.code}] ${lastError.message}`);
    return lines.join("\n");
  },

  board: {
    title: (groupTitle) => `Team board · ${groupTitle}`,
    live: (until) => `🔄 Live: updates itself until ${until}.`,
    ended: (at) => `⏸ Live updates ended at ${at}. Send /status for a fresh board.`,
  },

  unknownRecipient(token, actors) {
    const known = actors.map((a) => `@${a.id}${a.role === "foreman" ? " (foreman)" : ""}`).join(", ");
    return `❌ Unknown recipient ${token}.\nAgents: ${known || "none yet"}\nAlso: @all, @peers, @foreman.`;
  },

  noAgents: "⚠️ This group has no agents yet. Add one in the CCCC Web UI or with `cccc actor add`.",
  noPeers: "⚠️ No agents match @peers (this group has only the foreman). Run /status to see the agents.",
  noForeman: "⚠️ This group has no foreman. Run /status to see the agents.",

  sendFailed(message) {
    return `❌ Failed to send: ${message}`;
  },

  fileTooLarge(name, maxMb) {
    return `⚠️ Attachment "${name}" is larger than ${maxMb} MB and was not forwarded; the text was sent without it.`;
  },

  fileFailed(name, why) {
    return `⚠️ Could not download attachment "${name}" (${why}); the text was sent without it.`;
  },

  filesDisabled:
    "⚠️ File forwarding is disabled for this group (im.files.enabled); the text was sent without attachments.",

  slowDown(count, limit, seconds) {
    const n = count === 1 ? "1 message was" : `${count} messages were`;
    return `🐢 Slow down, please: ${n} not forwarded to the agents (limit: ${limit} messages per ${seconds} s). Send them again in a moment.`;
  },

  unsupportedType(rawType) {
    return `⚠️ This message type (${rawType}) is not supported yet, so nothing was forwarded. Send text, a picture or a file.`;
  },

  emptyMessage(chatType) {
    return chatType === "direct"
      ? "ℹ️ That message was empty, so nothing was forwarded. Send some text, or /help for commands."
      : "ℹ️ That message was empty, so nothing was forwarded. @mention me with /send <message>, or /help for commands.";
  },

  textCut(bytes, keptBytes) {
    return `✂️ Your message was ${mb(bytes)}; only the first ${mb(keptBytes)} was forwarded. Send the rest as a file.`;
  },

  attachmentUnreadable(name, why) {
    return `📎 ${name} could not be read (${why}) and was not sent.`;
  },

  attachmentOverLimit(name, limitMb, size) {
    return `📎 ${name}${size ? ` (${size})` : ""} is over the ${limitMb} MB limit and was not sent.`;
  },

  attachmentNotSent(name, code, message) {
    return `📎 ${name} could not be sent (${code}: ${message}).`;
  },

  attachmentsDisabled(count) {
    return `📎 ${count === 1 ? "1 attachment was" : `${count} attachments were`} not sent: file sending is off for this group (im.files.enabled).`;
  },

  buttons: {
    status: "Status",
    refresh: "Refresh",
    pause: "Pause",
    resume: "Resume",
    verbose: "Verbose",
    verboseOn: "Verbose on",
    verboseOff: "Verbose off",
    stop: "Stop",
  },
};
