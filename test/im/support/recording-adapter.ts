import { classifyDingTalkError, dingTalkCommandUrl } from "../../../src/im/dingtalk/failures.js";
import { withFailure } from "../../../src/im/platform.js";
import type {
  AdapterStatus,
  ChatTarget,
  DownloadedFile,
  InboundFile,
  InboundMessage,
  OutboundContent,
  PlatformAdapter,
} from "../../../src/im/types.js";

export class CodedError extends Error {
  constructor(
    readonly code: string,
    message = code,
  ) {
    super(message);
  }
}

export interface Sent {
  target: ChatTarget;
  content: OutboundContent;
}

/** A PlatformAdapter that records everything and lets a test inject inbound messages and failures. */
export class RecordingAdapter implements PlatformAdapter {
  readonly platform = "dingtalk";
  sent: Sent[] = [];
  attempts: Sent[] = [];
  uploads: Array<{ name: string; mime: string; bytes: number }> = [];
  reactions: Array<{ messageId: string; emoji: string; on: boolean }> = [];
  files = new Map<string, DownloadedFile>();
  startError: Error | undefined;
  /** Return an error to make that send fail. */
  sendHook: ((target: ChatTarget, content: OutboundContent) => Error | undefined) | undefined;
  started = 0;
  stopped = 0;
  private onMessage: ((message: InboundMessage) => Promise<void>) | undefined;
  private fatal: Array<(error: Error) => void> = [];
  private seq = 0;

  async start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void> {
    if (this.startError) throw this.startError;
    this.onMessage = onMessage;
    this.started++;
  }

  async stop(): Promise<void> {
    this.onMessage = undefined;
    this.stopped++;
  }

  async send(target: ChatTarget, content: OutboundContent): Promise<void> {
    this.attempts.push({ target, content });
    const error = this.sendHook?.(target, content);
    // Like the DingTalk adapter, its errors leave marked with the core's failure class.
    if (error) throw withFailure(error, classifyDingTalkError(error));
    this.sent.push({ target, content });
  }

  /** The DingTalk client's command URL, as the DingTalk adapter gives it. */
  commandUrl(command: string): string | undefined {
    return dingTalkCommandUrl(command);
  }

  async download(file: InboundFile, maxBytes: number): Promise<DownloadedFile> {
    const got = this.files.get(file.downloadCode);
    if (!got) throw new CodedError("dingtalk_download_failed", "download code expired");
    if (got.bytes.length > maxBytes) throw new CodedError("dingtalk_file_too_large", "file too large");
    return got;
  }

  async upload(file: { bytes: Buffer; name: string; mime: string }): Promise<{ mediaId: string }> {
    this.uploads.push({ name: file.name, mime: file.mime, bytes: file.bytes.length });
    return { mediaId: `media-${this.uploads.length}` };
  }

  async react(message: InboundMessage, emoji: string, on: boolean): Promise<void> {
    this.reactions.push({ messageId: message.messageId, emoji, on });
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatal.push(listener);
  }

  fireFatal(error: Error): void {
    for (const l of this.fatal) l(error);
  }

  status(): AdapterStatus {
    return { connected: this.onMessage !== undefined, reconnects: 0 };
  }

  /** Deliver an inbound message as the platform would; resolves when the bridge handled it. */
  async receive(partial: Partial<InboundMessage> & { text: string }): Promise<InboundMessage> {
    if (!this.onMessage) throw new Error("adapter not started");
    const message = makeMessage({ messageId: `m${++this.seq}`, ...partial });
    await this.onMessage(message);
    return message;
  }

  /** Texts sent to a chat, in order. */
  textsTo(chatId: string): string[] {
    return this.sent.filter((s) => s.target.chatId === chatId).map((s) => contentText(s.content));
  }

  last(chatId: string): Sent | undefined {
    return this.sent.filter((s) => s.target.chatId === chatId).at(-1);
  }

  lastText(chatId: string): string {
    const s = this.last(chatId);
    return s ? contentText(s.content) : "";
  }
}

export function contentText(content: OutboundContent): string {
  switch (content.type) {
    case "image":
      return `<image ${content.mediaId}>`;
    case "file":
      return `<file ${content.mediaId} ${content.fileName}>`;
    default:
      return content.text;
  }
}

export const DIRECT = "cid-direct-1";
export const GROUP = "cid-group-1";

export function makeMessage(partial: Partial<InboundMessage> & { text: string }): InboundMessage {
  const chatType = partial.chatType ?? (partial.chatId === GROUP ? "group" : "direct");
  return {
    platform: "dingtalk",
    messageId: "m0",
    chatId: DIRECT,
    chatType,
    userId: "u-alice",
    userName: "Alice",
    staffId: "staff-alice",
    mentioned: true,
    files: [],
    rawType: "text",
    createdAt: Date.now(),
    reply: {
      sessionWebhook: `https://hook/${partial.chatId ?? DIRECT}`,
      sessionWebhookExpiredTime: Date.now() + 3600_000,
    },
    ...partial,
  };
}
