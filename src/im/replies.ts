/**
 * Every text the bridge says in a chat, in one place (IM spec §4.4, improved where §9 lists a bug).
 * Wording is part of the contract; tests assert on it.
 */
import type { Subscription } from "./state.js";
import type { ActorSummary, ChatType } from "./types.js";

export const COMMAND_LIST = "/subscribe, /unsubscribe, /send, /status, /pause, /resume, /verbose, /help";

export function keyIssued(key: string, groupTitle: string, groupId: string): string {
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
}

export function subscribed(
  groupTitle: string,
  groupId: string,
  chatType: ChatType,
  sub: Subscription,
  already: boolean,
) {
  const head = already
    ? `✅ Already subscribed to ${groupTitle} [${groupId}]`
    : `✅ Subscribed to ${groupTitle} [${groupId}]`;
  const how =
    chatType === "direct"
      ? "Plain text goes to the foreman; use /send @<agent> for someone else."
      : "@mention me and use /send <message> to talk to the agents.";
  const paused = sub.paused ? "\n⏸ Delivery is paused. Send /resume to continue." : "";
  return `${head}\nVerbose mode: ${sub.verbose ? "on" : "off"}${paused}\n${how}\nUse /help for commands.`;
}

export function approved(groupTitle: string, groupId: string, chatType: ChatType): string {
  return `✅ Approved. This chat is now subscribed to ${groupTitle} [${groupId}].\n${
    chatType === "direct"
      ? "Plain text goes to the foreman; use /send @<agent> for someone else."
      : "@mention me and use /send <message> to talk to the agents."
  }\nUse /help for commands.`;
}

export const UNAUTHORIZED_HINT =
  "🔒 This chat is not connected to CCCC yet. Send /subscribe to request access.";
export const NOT_SUBSCRIBED = "ℹ️ This chat is not subscribed. Send /subscribe first.";
export const UNSUBSCRIBED =
  "👋 Unsubscribed and authorization removed. Send /subscribe to connect again (it needs a new approval).";
export const PAUSED_REPLY = "⏸ This chat is paused, so nothing was sent. Send /resume to continue.";
export const PAUSED =
  "⏸ Paused. Agent messages are not delivered to this chat until you send /resume (they stay in the group history).";
export const ALREADY_PAUSED = "⏸ Already paused. Send /resume to continue.";
export const SEND_USAGE = "Usage: /send [@agent …] <message>";
export const VERBOSE_USAGE = "Usage: /verbose [on|off]";
export const GROUP_PLAIN_HINT =
  "ℹ️ In group chats only commands are forwarded. Use /send <message> (or /send @<agent> <message>). Send /help for all commands.";

export function resumed(heldBack: number): string {
  if (heldBack === 0) return "▶️ Resumed. No agent messages arrived while paused.";
  const n = heldBack === 1 ? "1 agent message was" : `${heldBack} agent messages were`;
  return `▶️ Resumed. ${n} held back while paused and not delivered here; see them in the CCCC Web UI.`;
}

export function verbose(on: boolean): string {
  return on
    ? "👁 Verbose mode: on. You also see messages between agents."
    : "👁 Verbose mode: off. You see only messages addressed to you.";
}

export function unknownCommand(name: string): string {
  return `❓ Unknown command /${name}. Commands: ${COMMAND_LIST}. Send /help for details.`;
}

/** Markdown (sent with kind "help"): a list, so every platform keeps the line breaks. */
export function help(chatType: ChatType): string {
  const commands = [
    "/subscribe: start receiving messages from CCCC",
    "/unsubscribe: stop receiving messages",
    "/send <message>: send to the foreman",
    "/send @<agent> <message>: send to one agent (several @agents allowed)",
    "/send @all <message>: send to all agents",
    "/send @peers <message>: send to non-foreman agents",
    "/status: group and agent status",
    "/pause: pause message delivery",
    "/resume: resume message delivery",
    "/verbose [on|off]: show or hide agent-to-agent messages (no argument toggles)",
    "/help: this list",
  ];
  const note =
    chatType === "direct"
      ? "Plain text in this chat goes to the foreman."
      : "In a group, @mention me before every command; plain messages without /send are not forwarded.";
  return ["CCCC commands:", "", ...commands.map((c) => `- ${c}`), "", note].join("\n");
}

/** Markdown (sent with kind "status"). */
export function status(
  info: { title: string; state: string; actors: ActorSummary[] },
  groupId: string,
  sub: Subscription | undefined,
  lastError?: { code: string; message: string; at: string },
): string {
  const lines = [`📊 ${info.title} [${groupId}]`, "", `State: ${info.state}`, "", "Agents:", ""];
  if (info.actors.length === 0) lines.push("- No agents yet. Add one in the Web UI or with cccc actor add.");
  for (const a of info.actors) {
    const icon = a.role === "foreman" ? "👑" : "👤";
    const run = a.status === "running" ? "🟢 running" : a.status === "crashed" ? "🔴 crashed" : "⚪ stopped";
    const name =
      a.title && a.title !== a.id ? `${a.title} (@${a.id}, ${a.runtime})` : `@${a.id} (${a.runtime})`;
    lines.push(`- ${icon} ${name}: ${run}, ${a.unread} unread`);
  }
  lines.push("");
  if (!sub?.subscribed) lines.push("This chat: not subscribed");
  else {
    const paused = sub.paused ? `paused (${sub.held_back} held back)` : "delivering";
    lines.push(`This chat: subscribed, ${paused}, verbose ${sub.verbose ? "on" : "off"}`);
  }
  if (lastError)
    lines.push("", `⚠️ Last bridge error (${lastError.at}): [${lastError.code}] ${lastError.message}`);
  return lines.join("\n");
}

export function unknownRecipient(token: string, actors: ActorSummary[]): string {
  const known = actors.map((a) => `@${a.id}${a.role === "foreman" ? " (foreman)" : ""}`).join(", ");
  return `❌ Unknown recipient ${token}.\nAgents: ${known || "none yet"}\nAlso: @all, @peers, @foreman.`;
}

export const NO_AGENTS =
  "⚠️ This group has no agents yet. Add one in the CCCC Web UI or with `cccc actor add`.";
export const NO_PEERS =
  "⚠️ No agents match @peers (this group has only the foreman). Run /status to see the agents.";
export const NO_FOREMAN = "⚠️ This group has no foreman. Run /status to see the agents.";

export function sendFailed(message: string): string {
  return `❌ Failed to send: ${message}`;
}

export function fileTooLarge(name: string, maxMb: number): string {
  return `⚠️ Attachment "${name}" is larger than ${maxMb} MB and was not forwarded; the text was sent without it.`;
}

export function fileFailed(name: string, why: string): string {
  return `⚠️ Could not download attachment "${name}" (${why}); the text was sent without it.`;
}

export const FILES_DISABLED =
  "⚠️ File forwarding is disabled for this group (im.files.enabled); the text was sent without attachments.";

/** One per chat and window when messages were refused (inbound rate limit or full queue). */
export function slowDown(count: number, limit: number, seconds: number): string {
  const n = count === 1 ? "1 message was" : `${count} messages were`;
  return `🐢 Slow down, please: ${n} not forwarded to the agents (limit: ${limit} messages per ${seconds} s). Send them again in a moment.`;
}

export function unsupportedType(rawType: string): string {
  return `⚠️ This message type (${rawType}) is not supported yet, so nothing was forwarded. Send text, a picture or a file.`;
}

export function emptyMessage(chatType: ChatType): string {
  return chatType === "direct"
    ? "ℹ️ That message was empty, so nothing was forwarded. Send some text, or /help for commands."
    : "ℹ️ That message was empty, so nothing was forwarded. @mention me with /send <message>, or /help for commands.";
}

export function textCut(bytes: number, keptBytes: number): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `✂️ Your message was ${mb(bytes)}; only the first ${mb(keptBytes)} was forwarded. Send the rest as a file.`;
}
