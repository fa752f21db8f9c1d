/**
 * Realistic robot message payloads (`data` of `/v1.0/im/bot/messages/get`, protocol §2): private
 * (`conversationType:"1"`) and group (`"2"`, leading space after the stripped @mention), each msgtype.
 */
import { randomBytes } from "node:crypto";

export type RobotMsgType = "text" | "richText" | "picture" | "file" | "audio" | "video";

export interface RobotMessageOptions {
  type?: RobotMsgType;
  chat?: "direct" | "group";
  text?: string;
  msgId?: string;
  conversationId?: string;
  conversationTitle?: string;
  /** null: robot not published / external user, so no senderStaffId (§2.1). */
  senderStaffId?: string | null;
  senderNick?: string;
  robotCode?: string;
  downloadCode?: string;
  fileName?: string;
  /** Send `content` as a JSON string, as some pushes do (cccc-im-spec §9.5). */
  contentAsString?: boolean;
  createAt?: number;
  /** Make it a quote-reply (回复) to this message: `text.isReplyMsg` + `text.repliedMsg` (§2.1). Text only. */
  quote?: QuoteOptions;
}

/** The quoted message of a quote-reply, as DingTalk puts it in `text.repliedMsg`. */
export interface QuoteOptions {
  /** The quoted message's text as the chat showed it (e.g. `[Lead] …` for an agent's text message). */
  text: string;
  msgType?: string;
  msgId?: string;
  /** Default: the robot's `chatbotUserId` (a quote of a message the robot sent). */
  senderId?: string;
  createdAt?: number;
  /** Send `repliedMsg.content` as a JSON string. */
  contentAsString?: boolean;
}

export interface WebhookInfo {
  url: string;
  expiresAt: number;
}

const rand = (n: number) => randomBytes(n).toString("base64url");

export function newMsgId(): string {
  return `msg${rand(18)}==`;
}

export function newConversationId(): string {
  return `cid${rand(16)}==`;
}

export function buildRobotMessage(opts: RobotMessageOptions, webhook: WebhookInfo): Record<string, unknown> {
  const type = opts.type ?? "text";
  const group = opts.chat === "group";
  const robotCode = opts.robotCode ?? "dingfakeappkey";
  const chatbotUserId = `$:LWCP_v1:$${rand(24)}`;
  const staffId = opts.senderStaffId === undefined ? "manager4567" : opts.senderStaffId;
  const createAt = opts.createAt ?? Date.now();
  const msg: Record<string, unknown> = {
    msgId: opts.msgId ?? newMsgId(),
    msgtype: type,
    createAt,
    conversationType: group ? "2" : "1",
    conversationId: opts.conversationId ?? newConversationId(),
    senderId: `$:LWCP_v1:$${rand(24)}`,
    senderNick: opts.senderNick ?? "Alice",
    senderCorpId: "ding9f50b15bccd16741",
    senderPlatform: "iOS",
    chatbotCorpId: "ding9f50b15bccd16741",
    chatbotUserId,
    robotCode,
    isAdmin: true,
    isInAtList: true,
    sessionWebhook: webhook.url,
    sessionWebhookExpiredTime: webhook.expiresAt,
  };
  if (staffId !== null) msg.senderStaffId = staffId;
  if (group) {
    msg.conversationTitle = opts.conversationTitle ?? "CCCC Test Group";
    msg.atUsers = [{ dingtalkId: chatbotUserId }];
  }
  const text = opts.text ?? "hello";
  const code = opts.downloadCode ?? `dc${rand(24)}`;
  let content: Record<string, unknown> | undefined;
  switch (type) {
    case "text":
      // In groups the robot's own @mention is stripped and leaves a leading space (§2.2).
      msg.text = {
        content: group ? ` ${text}` : text,
        ...(opts.quote ? quoteFields(opts.quote, chatbotUserId, createAt) : {}),
      };
      break;
    case "richText":
      content = {
        richText: [{ text }, { type: "picture", downloadCode: code, pictureDownloadCode: `p${code}` }],
      };
      break;
    case "picture":
      content = { downloadCode: code, pictureDownloadCode: `p${code}` };
      break;
    case "file":
      content = {
        downloadCode: code,
        fileName: opts.fileName ?? "report.pdf",
        spaceId: "21234567",
        fileId: "145678901",
      };
      break;
    case "audio":
      content = { downloadCode: code, recognition: text, duration: 3200 };
      break;
    case "video":
      content = { downloadCode: code, videoType: "mp4", duration: 5000 };
      break;
  }
  if (content) msg.content = opts.contentAsString ? JSON.stringify(content) : content;
  return msg;
}

function quoteFields(quote: QuoteOptions, chatbotUserId: string, createAt: number): Record<string, unknown> {
  const msgType = quote.msgType ?? "text";
  const content = { text: quote.text };
  return {
    isReplyMsg: true,
    repliedMsg: {
      msgType,
      msgId: quote.msgId ?? newMsgId(),
      senderId: quote.senderId ?? chatbotUserId,
      createdAt: quote.createdAt ?? createAt - 60_000,
      content: quote.contentAsString ? JSON.stringify(content) : content,
    },
  };
}
