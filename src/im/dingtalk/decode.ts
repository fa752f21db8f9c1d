/**
 * Pure decoders from DingTalk JSON to our types: the robot message payload (the
 * same body in Stream `data` and HTTP-mode POSTs) and the Stream frame envelope.
 * Tolerant by design: `content` as object or JSON string, numbers as strings, missing fields.
 */
import type { InboundFile, InboundMessage, QuotedMessage } from "../types.js";

export type DecodeResult = { ok: true; message: InboundMessage } | { ok: false; reason: string };

/** What `InboundMessage.reply` holds for DingTalk; opaque to the bridge core. */
export interface DingTalkReply {
  sessionWebhook?: string;
  /** Milliseconds since epoch (`sessionWebhookExpiredTime`). */
  sessionWebhookExpiresAt?: number;
  robotCode?: string;
  conversationId: string;
  /** Direct chats only: the sender's staff id, needed for one-to-one OpenAPI sends. */
  senderStaffId?: string;
}

export interface DecodeOptions {
  /** Names the bot may appear under; a leading `@<name>` is stripped from the text. */
  botNames?: string[];
  /** Clock for payloads without `createAt`. */
  now?: number;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A string field; numbers are accepted and stringified (numbers-as-strings works both ways). */
function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function nonEmpty(v: unknown): string | undefined {
  const s = str(v)?.trim();
  return s ? s : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === 1 || v === "1") return true;
  if (v === "false" || v === 0 || v === "0") return false;
  return undefined;
}

/** Parse a value that may be a JSON string of an object (`content` arrives both ways). */
function objOrJson(v: unknown): Obj | undefined {
  if (isObj(v)) return v;
  if (typeof v !== "string" || !v.trim().startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return isObj(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `createAt` is ms (doc says string, arrives as number); tolerate seconds too. */
function toMs(v: unknown): number | undefined {
  const n = num(v);
  if (n === undefined || n <= 0) return undefined;
  return n < 1e11 ? Math.round(n * 1000) : n;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Trim, then drop a leading `@<botName>` (DingTalk usually strips it already, leaving a space). */
export function stripBotMention(text: string, botNames: readonly string[] = []): string {
  let out = text.trim();
  for (const name of botNames) {
    if (!name) continue;
    const re = new RegExp(`^@${escapeRe(name)}(?:\\s+|$)`, "u");
    if (re.test(out)) {
      out = out.replace(re, "").trim();
      break;
    }
  }
  return out;
}

interface Parts {
  text: string;
  files: InboundFile[];
}

function file(kind: InboundFile["kind"], code: string | undefined, robotCode?: string, fileName?: string) {
  if (!code) return [];
  const f: InboundFile = { kind, downloadCode: code };
  if (fileName) f.fileName = fileName;
  if (robotCode) f.robotCode = robotCode;
  return [f];
}

/** richText items: text/at/emoji are inline, a picture ends the current line. */
function richTextParts(
  items: unknown[],
  robotCode: string | undefined,
  botUserId: string | undefined,
): Parts {
  const lines: string[] = [];
  const files: InboundFile[] = [];
  let line = "";
  for (const item of items) {
    if (!isObj(item)) continue;
    // Quoted richText items (`text.repliedMsg.content.richText`) name their type `msgType`.
    const type = str(item.type) ?? str(item.msgType) ?? "text";
    if (type === "picture" || type === "image") {
      const code = nonEmpty(item.downloadCode) ?? nonEmpty(item.pictureDownloadCode);
      files.push(...file("image", code, robotCode));
      lines.push(line);
      line = "";
    } else if (type === "at") {
      const isBot = botUserId !== undefined && str(item.atUserId) === botUserId;
      const name = nonEmpty(item.atName);
      if (!isBot && name) line += `@${name}`;
    } else {
      line += str(item.text) ?? str(item.content) ?? "";
    }
  }
  lines.push(line);
  const text = lines
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join("\n");
  return { text, files };
}

/** Look in `content`, then at top level (older payloads put download fields there). */
function field(content: Obj | undefined, body: Obj, key: string): unknown {
  return content?.[key] ?? body[key];
}

function contentParts(msgtype: string, body: Obj, robotCode: string | undefined): Parts | undefined {
  const content = objOrJson(body.content);
  const textObj = objOrJson(body.text);
  // `text` can be a plain string; `content` can be a non-JSON string.
  const plainText = str(textObj?.content) ?? (typeof body.text === "string" ? body.text : undefined);
  const code = nonEmpty(field(content, body, "downloadCode"));
  switch (msgtype) {
    case "text":
      return plainText === undefined ? undefined : { text: plainText, files: [] };
    case "richText": {
      const items = content?.richText ?? body.richText;
      if (!Array.isArray(items)) return plainText === undefined ? undefined : { text: plainText, files: [] };
      return richTextParts(items, robotCode, nonEmpty(body.chatbotUserId));
    }
    case "picture": {
      const pic = code ?? nonEmpty(field(content, body, "pictureDownloadCode"));
      return pic ? { text: "", files: file("image", pic, robotCode) } : undefined;
    }
    case "file": {
      const name = nonEmpty(field(content, body, "fileName"));
      return code ? { text: "", files: file("file", code, robotCode, name) } : undefined;
    }
    case "audio": {
      // DingTalk's server-side speech-to-text is the message text.
      const recognition = str(field(content, body, "recognition")) ?? "";
      if (!code && !recognition) return undefined;
      return { text: recognition, files: file("audio", code, robotCode) };
    }
    case "video": {
      const videoType = nonEmpty(field(content, body, "videoType"));
      const name = videoType ? `video.${videoType}` : undefined;
      return code ? { text: "", files: file("video", code, robotCode, name) } : undefined;
    }
    case "markdown":
      return { text: str(content?.text) ?? plainText ?? "", files: [] };
    case "chatRecord":
      return { text: str(content?.summary) ?? plainText ?? "", files: [] };
    default:
      // unknownMsgType, interactiveCard, …: no text of the user's; the core replies "unsupported"
      // by rawType. `content.unknownMsgType` is DingTalk's own notice, not user text.
      return { text: plainText ?? "", files: [] };
  }
}

/** The text of a quoted message's `content`: text, markdown, richText or card text. */
function quotedText(q: Obj, robotCode: string | undefined, botUserId: string | undefined): string {
  const content = objOrJson(q.content);
  if (!content) {
    // `content` as a plain (non-JSON) string; legacy `quoteMessage` carries `text.content` instead.
    return str(q.content) ?? str(objOrJson(q.text)?.content) ?? (typeof q.text === "string" ? q.text : "");
  }
  const richText = content.richText;
  if (Array.isArray(richText)) return richTextParts(richText, robotCode, botUserId).text;
  const markdown = objOrJson(content.markdown);
  return (
    str(content.text) ??
    str(content.content) ??
    str(markdown?.text) ??
    str(content.title) ??
    str(content.summary) ??
    ""
  );
}

/**
 * The quoted message of a quote-reply (回复), from `text.isReplyMsg` + `text.repliedMsg`, else the
 * older top-level `quoteMessage`, else `isReplyMsg` with only `originalMsgId`. Every field is
 * optional; `repliedMsg`/`content` may be JSON strings. Undefined when there is no quote or nothing
 * usable in it.
 */
function decodeQuote(body: Obj, robotCode: string | undefined): QuotedMessage | undefined {
  const textObj = objOrJson(body.text);
  const replyFlag = bool(textObj?.isReplyMsg);
  const replied = replyFlag === false ? undefined : objOrJson(textObj?.repliedMsg);
  const legacy = objOrJson(body.quoteMessage);
  const q = replied ?? legacy;
  const quoted: QuotedMessage = { text: "" };
  if (q) {
    quoted.text = quotedText(q, robotCode, nonEmpty(body.chatbotUserId)).trim();
    const id = nonEmpty(q.msgId) ?? nonEmpty(body.originalMsgId);
    if (id) quoted.messageId = id;
    const sender = nonEmpty(q.senderId);
    if (sender) quoted.senderId = sender;
    const type = nonEmpty(q.msgType) ?? nonEmpty(q.msgtype);
    if (type) quoted.rawType = type;
  } else if (replyFlag === true) {
    const id = nonEmpty(body.originalMsgId);
    if (id) quoted.messageId = id;
  }
  return quoted.text !== "" || quoted.messageId !== undefined ? quoted : undefined;
}

/** Quota exhausted: no text/content, an `errorMessage` and code 20001. */
function quotaError(body: Obj): string | undefined {
  if (body.text !== undefined || body.content !== undefined) return undefined;
  const code = str(body.errorCode) ?? str(body.errcode) ?? str(body.code);
  const message = nonEmpty(body.errorMessage) ?? nonEmpty(body.errmsg);
  if (code === undefined && message === undefined) return undefined;
  return `DingTalk delivered no message content (error ${code ?? "unknown"}: ${message ?? "no message"}); the robot message quota may be exhausted (code 20001)`;
}

/** Decode a robot message (`data` of `/v1.0/im/bot/messages/get`, or an HTTP-mode POST body). */
export function decodeRobotMessage(data: unknown, options: DecodeOptions = {}): DecodeResult {
  const body = typeof data === "string" ? objOrJson(data) : isObj(data) ? data : undefined;
  if (!body) return { ok: false, reason: "robot message is not a JSON object" };
  const messageId = nonEmpty(body.msgId);
  if (!messageId) return { ok: false, reason: "robot message has no msgId" };
  const chatId = nonEmpty(body.conversationId);
  if (!chatId) return { ok: false, reason: `robot message ${messageId} has no conversationId` };
  const quota = quotaError(body);
  if (quota) return { ok: false, reason: `robot message ${messageId}: ${quota}` };

  const convType = str(body.conversationType)?.trim();
  if (convType !== "1" && convType !== "2") {
    return {
      ok: false,
      reason: `robot message ${messageId} has unknown conversationType ${String(convType)}`,
    };
  }
  const chatType = convType === "2" ? "group" : "direct";
  const msgtype = nonEmpty(body.msgtype) ?? (body.text !== undefined ? "text" : "unknown");
  const robotCode = nonEmpty(body.robotCode);
  const parts = contentParts(msgtype, body, robotCode);
  if (!parts) return { ok: false, reason: `robot message ${messageId} (${msgtype}) has no usable content` };

  const staffId = nonEmpty(body.senderStaffId);
  const userId = staffId ?? nonEmpty(body.senderId);
  if (!userId) return { ok: false, reason: `robot message ${messageId} has no senderStaffId or senderId` };

  const reply: DingTalkReply = { conversationId: chatId };
  const webhook = nonEmpty(body.sessionWebhook);
  if (webhook) reply.sessionWebhook = webhook;
  const expires = toMs(body.sessionWebhookExpiredTime);
  if (expires !== undefined) reply.sessionWebhookExpiresAt = expires;
  if (robotCode) reply.robotCode = robotCode;
  if (chatType === "direct" && staffId) reply.senderStaffId = staffId;

  const message: InboundMessage = {
    platform: "dingtalk",
    messageId,
    chatId,
    chatType,
    userId,
    userName: nonEmpty(body.senderNick) ?? userId,
    text: stripBotMention(parts.text, options.botNames),
    // Groups only deliver @-messages; the flag may be absent.
    mentioned: chatType === "direct" ? true : (bool(body.isInAtList) ?? true),
    files: parts.files,
    rawType: msgtype,
    createdAt: toMs(body.createAt) ?? options.now ?? Date.now(),
    reply: { ...reply },
  };
  const title = nonEmpty(body.conversationTitle);
  if (title && chatType === "group") message.chatTitle = title;
  if (staffId) message.staffId = staffId;
  const quoted = decodeQuote(body, robotCode);
  if (quoted) message.quoted = quoted;
  return { ok: true, message };
}

/** Read `InboundMessage.reply` / `ChatTarget.reply` back as DingTalk reply data. */
export function readDingTalkReply(reply: Record<string, unknown> | undefined): DingTalkReply | undefined {
  const conversationId = nonEmpty(reply?.conversationId);
  if (!reply || !conversationId) return undefined;
  const out: DingTalkReply = { conversationId };
  const webhook = nonEmpty(reply.sessionWebhook);
  if (webhook) out.sessionWebhook = webhook;
  const expires = num(reply.sessionWebhookExpiresAt);
  if (expires !== undefined) out.sessionWebhookExpiresAt = expires;
  const robotCode = nonEmpty(reply.robotCode);
  if (robotCode) out.robotCode = robotCode;
  const staff = nonEmpty(reply.senderStaffId);
  if (staff) out.senderStaffId = staff;
  return out;
}

export type { FrameResult, StreamFrame, StreamFrameHeaders, StreamFrameType } from "./frame.js";
export { decodeStreamFrame, parseFrameData } from "./frame.js";
