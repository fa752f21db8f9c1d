/**
 * DingTalk as a `PlatformAdapter`: Stream client in, robot API out. Decoding and encoding are the
 * pure functions in decode.ts / encode.ts; this file only wires transports to the bridge core.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../../kernel/fs-util.js";
import { withFailure } from "../platform.js";
import { FileDedupe } from "../transport/dedupe-store.js";
import { InboundJournal } from "../transport/inbound-journal.js";
import type {
  AdapterStatus,
  BoardCard,
  BoardView,
  ChatTarget,
  DownloadedFile,
  InboundFile,
  InboundMessage,
  OutboundContent,
  PlatformAdapter,
  SendProgress,
} from "../types.js";
import { type ApiConfig, DingTalkApi, type MediaType } from "./api.js";
import { boardCardOf, openBoardCard } from "./board-card.js";
import { DingTalkCardApi } from "./card-api.js";
import { DingTalkCardSurface } from "./card-surface.js";
import { decodeRobotMessage, readDingTalkReply } from "./decode.js";
import { encodeForOpenApi, encodeForWebhook, webhookSupports } from "./encode.js";
import { PlatformApiError } from "./errors.js";
import { classifyDingTalkError, dingTalkCommandUrl } from "./failures.js";
import { StreamClient, type StreamTiming } from "./stream.js";
import { handleWebhookRequest, type WebhookRequest, type WebhookResponse } from "./webhook.js";
import { guardReplay, ReplayGuard } from "./webhook-replay.js";

export interface DingTalkAdapterConfig {
  appKey: string;
  appSecret: string;
  /** Defaults to the app key (enterprise-internal robots). */
  robotCode?: string;
  /** CCCC_DINGTALK_API_BASE, default https://api.dingtalk.com */
  apiBase: string;
  /** CCCC_DINGTALK_OAPI_BASE, default https://oapi.dingtalk.com */
  oapiBase: string;
  /** `groups/<gid>/state/im`: the dedupe file lives here. */
  stateDir: string;
  log(line: string): void;
  /** `stream` (default): our own Stream client. `http`: messages arrive through `receiveWebhook`. */
  mode?: "stream" | "http";
  /** HTTP mode event-subscription token and AES key (encrypted callbacks). */
  httpToken?: string;
  httpAesKey?: string;
  /** `im.cards` (default on): AI cards for streamed replies; `im.dingtalk_card_template_id` overrides the template. */
  cards?: { enabled: boolean; templateId?: string };
  /** Tuning, mostly for tests. */
  stream?: Partial<StreamTiming>;
  api?: Omit<ApiConfig, "appKey" | "appSecret" | "apiBase" | "oapiBase" | "log">;
}

/** A webhook this close to expiry is not used (the send might land after it expires). */
const WEBHOOK_MARGIN_MS = 60_000;
const DEFAULT_NAMES: Record<InboundFile["kind"], string> = {
  image: "image.png",
  audio: "audio.amr",
  video: "video.mp4",
  file: "file",
};

export class DingTalkAdapter implements PlatformAdapter {
  readonly platform = "dingtalk";
  private api: DingTalkApi;
  private stream?: StreamClient;
  private learnedRobotCode: string | undefined;
  private journal?: InboundJournal;
  private dedupe?: FileDedupe;
  private webhook?: {
    onMessage: (message: InboundMessage) => Promise<void>;
    dedupe: FileDedupe;
    replay: ReplayGuard;
  };
  private fatalListeners: ((error: Error) => void)[] = [];
  private cardSurface?: DingTalkCardSurface;
  private lastStatus: AdapterStatus = { connected: false, reconnects: 0 };

  constructor(private readonly config: DingTalkAdapterConfig) {
    this.api = this.newApi();
    this.learnedRobotCode = readLearnedRobotCode(this.robotCodeFile());
  }

  /** AI cards, unless `im.cards` is off; on the current API client (a restart makes a new one). */
  get cards(): DingTalkCardSurface | undefined {
    if (this.config.cards?.enabled === false) return undefined;
    return this.cardSurface;
  }

  private robotCodeFile(): string {
    return join(this.config.stateDir, "dingtalk-robot-code.json");
  }

  /**
   * Without a configured RobotCode, remember the one DingTalk puts on inbound messages (the setup
   * guide: "CCCC can sometimes learn it after the first inbound message"); kept across restarts.
   */
  private learnRobotCode(message: InboundMessage): void {
    const code = readDingTalkReply(message.reply)?.robotCode;
    if (!code || this.config.robotCode || code === this.config.appKey || code === this.learnedRobotCode)
      return;
    this.learnedRobotCode = code;
    this.config.log("dingtalk: learned the robot code from an inbound message");
    try {
      const file = this.robotCodeFile();
      writeFileAtomicSync(file, JSON.stringify({ robotCode: code }), { mode: 0o600 });
    } catch (e) {
      this.config.log(`dingtalk: cannot save the learned robot code: ${(e as Error).message}`);
    }
  }

  /** Fetches a token first so bad credentials fail here with a classified error. */
  async start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void> {
    if (this.stream || this.webhook) throw new Error("DingTalk adapter already started");
    await this.api.getAccessToken();
    const log = this.config.log;
    if (this.config.mode === "http") {
      const dedupe = new FileDedupe(join(this.config.stateDir, "dingtalk-dedupe.json"), { log });
      const replay = new ReplayGuard(join(this.config.stateDir, "dingtalk-webhook-replay.json"), log);
      this.webhook = { onMessage, dedupe, replay };
      this.lastStatus = { connected: true, connectedSince: new Date().toISOString(), reconnects: 0 };
      return;
    }
    // Robot callbacks are journaled (fdatasync) before the ack and replayed on start if a crash or
    // stop came before the bridge handled them (docs/dingtalk-transport.md, "Inbound journal").
    const journal = new InboundJournal(join(this.config.stateDir, "dingtalk-inbound.jsonl"), log);
    const dedupe = new FileDedupe(join(this.config.stateDir, "dingtalk-dedupe.json"), { log });
    this.journal = journal;
    this.dedupe = dedupe;
    const stream = new StreamClient({
      open: (signal) => this.api.openStreamConnection(signal),
      dedupe,
      journal,
      log,
      timing: this.config.stream,
      onStatus: (s) => {
        this.lastStatus = { connected: s.connected, reconnects: s.reconnects };
        if (s.connectedSince) this.lastStatus.connectedSince = s.connectedSince;
        if (s.lastError) this.lastStatus.lastError = s.lastError;
      },
      onFatal: (err) => {
        for (const l of this.fatalListeners) l(err);
      },
      onCallback: async (data, meta) => {
        const decoded = decodeRobotMessage(data);
        if (!decoded.ok) {
          log(`dingtalk: inbound message skipped: ${decoded.reason}`);
          return;
        }
        this.learnRobotCode(decoded.message);
        if (meta.receivedAt !== undefined) decoded.message.receivedAt = meta.receivedAt;
        await onMessage(decoded.message);
      },
    });
    this.stream = stream;
    try {
      await stream.start();
    } catch (err) {
      this.stream = undefined;
      this.journal = this.dedupe = undefined;
      await journal.close();
      dedupe.close();
      throw err;
    }
  }

  /**
   * HTTP mode: one request to the message receiving URL. The signature (or the encrypted
   * callback) is checked first; the message is handed to the bridge before the 200 is returned, so
   * a failure makes DingTalk retry instead of losing it. Redeliveries are dropped by msgId.
   */
  async receiveWebhook(req: WebhookRequest): Promise<WebhookResponse> {
    const target = this.webhook;
    if (!target) return { status: 503, body: { error: "the DingTalk bridge is not running in HTTP mode" } };
    const result = handleWebhookRequest(req, {
      appSecret: this.config.appSecret,
      ownerKey: this.config.appKey,
      ...(this.config.httpToken ? { token: this.config.httpToken } : {}),
      ...(this.config.httpAesKey ? { aesKey: this.config.httpAesKey } : {}),
    });
    if (result.error) this.config.log(`dingtalk webhook: ${result.error}`);
    return guardReplay(target.replay, result.replayKey, this.config.log, async () => {
      const message = result.message;
      if (message && !target.dedupe.has(message.messageId)) {
        this.learnRobotCode(message);
        await target.onMessage(message);
        target.dedupe.add(message.messageId);
      }
      return result;
    });
  }

  async stop(): Promise<void> {
    this.webhook?.dedupe.close();
    this.webhook?.replay.close();
    this.webhook = undefined;
    const stream = this.stream;
    this.stream = undefined;
    await stream?.stop();
    await this.journal?.close();
    this.dedupe?.close();
    this.journal = this.dedupe = undefined;
    this.api.close();
    this.api = this.newApi(); // a stopped adapter can be started again
    this.lastStatus = { ...this.lastStatus, connected: false, connectedSince: undefined };
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatalListeners.push(listener);
  }

  /** One DingTalk message (webhook and OpenAPI plan the same chunks): queued messages may merge into it. */
  fitsOneMessage(content: OutboundContent): boolean {
    return encodeForOpenApi(content).length === 1;
  }

  /**
   * sessionWebhook while it is valid, else the robot OpenAPI: group send for groups, one-to-one send
   * to the sender's staff id for direct chats. Errors leave marked with the core's `FailureClass`
   * (src/im/platform.ts `withFailure`).
   */
  async send(
    target: ChatTarget,
    content: OutboundContent,
    progress: SendProgress = { sent: 0 },
  ): Promise<void> {
    try {
      const reply = readDingTalkReply(target.reply);
      const webhook = reply?.sessionWebhook;
      const expiresAt = reply?.sessionWebhookExpiresAt ?? 0;
      if (webhook && expiresAt > Date.now() + WEBHOOK_MARGIN_MS && webhookSupports(content)) {
        const start = progress.sent;
        try {
          for (const body of encodeForWebhook(content).slice(start)) {
            await this.api.sendBySessionWebhook(webhook, body, target.chatId);
            progress.sent++;
          }
          return;
        } catch (err) {
          // Fall back only when nothing went out on this call, so a chunked message is never half
          // duplicated (the webhook and the OpenAPI plan the same chunks; `progress` carries over).
          if (progress.sent > start || !(err instanceof PlatformApiError)) throw err;
          this.config.log(`dingtalk: sessionWebhook failed (${err.code}); using the robot OpenAPI`);
        }
      }
      const robotCode = this.robotCode();
      const messages = encodeForOpenApi(content).slice(progress.sent);
      if (target.chatType === "group") {
        const cid = reply?.conversationId ?? target.chatId;
        for (const m of messages) {
          await this.api.sendToGroup(cid, m.msgKey, m.msgParam, robotCode, target.chatId);
          progress.sent++;
        }
        return;
      }
      const staffId = reply?.senderStaffId;
      if (!staffId) {
        throw new PlatformApiError(
          "dingtalk_no_route",
          "Cannot reach this direct chat: its reply link expired and DingTalk gave no staff id for the user",
          "Ask the user to send the robot a message (refreshes the link); publish the app so DingTalk includes staff ids",
        );
      }
      for (const m of messages) {
        const r = await this.api.sendToUsers([staffId], m.msgKey, m.msgParam, robotCode, target.chatId);
        if (r.invalidStaffIdList.includes(staffId)) {
          throw new PlatformApiError(
            "dingtalk_chat_gone",
            `DingTalk does not know user ${staffId} (invalidStaffIdList)`,
            "The user may have left the organization; revoke this chat",
          );
        }
        if (r.flowControlledStaffIdList.includes(staffId)) {
          throw new PlatformApiError(
            "dingtalk_throttled",
            `DingTalk throttled messages to user ${staffId}`,
            "Retry later",
            {
              retry: "after",
            },
          );
        }
        progress.sent++;
      }
    } catch (error) {
      throw withFailure(error, classifyDingTalkError(error));
    }
  }

  async download(file: InboundFile, maxBytes: number): Promise<DownloadedFile> {
    return classified(this.downloadNow(file, maxBytes));
  }

  private async downloadNow(file: InboundFile, maxBytes: number): Promise<DownloadedFile> {
    const robotCode = this.config.robotCode ?? file.robotCode ?? this.learnedRobotCode ?? this.config.appKey;
    const got = await this.api.downloadFile(file.downloadCode, robotCode, maxBytes);
    return { bytes: got.bytes, name: file.fileName ?? got.name ?? DEFAULT_NAMES[file.kind], mime: got.mime };
  }

  async upload(file: { bytes: Buffer; name: string; mime: string }): Promise<{ mediaId: string }> {
    const mediaId = await classified(
      this.api.uploadMedia(file.bytes, file.name, mediaType(file.mime), file.mime),
    );
    return { mediaId };
  }

  /** Emotion reaction on the user's message. */
  async react(message: InboundMessage, emoji: string, on: boolean): Promise<void> {
    const reply = readDingTalkReply(message.reply);
    await this.api.emotion(on ? "reply" : "recall", {
      robotCode: this.robotCode(),
      openMsgId: message.messageId,
      openConversationId: reply?.conversationId ?? message.chatId,
      emotionType: 2,
      emotionName: emoji,
      textEmotion: { emotionId: "2659900", emotionName: emoji, text: emoji, backgroundId: "im_bg_1" },
    });
  }

  /** The team board as an AI card (board-card.ts); rejects when the card path fails. */
  openBoard(target: ChatTarget, view: BoardView): Promise<BoardCard> {
    return openBoardCard(
      new DingTalkCardApi(this.api, this.config.cards?.templateId),
      target,
      this.robotCode(),
      view,
    );
  }

  /** A card `openBoard` made, by its id (an approval card updated after a restart). */
  boardCard(id: string): BoardCard {
    return boardCardOf(new DingTalkCardApi(this.api, this.config.cards?.templateId), id);
  }

  status(): AdapterStatus {
    return this.stream ? { ...this.lastStatus, inboundWaiting: this.stream.backlog } : { ...this.lastStatus };
  }

  commandUrl(command: string): string {
    return dingTalkCommandUrl(command);
  }

  private robotCode(): string {
    return this.config.robotCode || this.learnedRobotCode || this.config.appKey;
  }

  private newApi(): DingTalkApi {
    const api = this.makeApi();
    this.cardSurface = new DingTalkCardSurface(new DingTalkCardApi(api, this.config.cards?.templateId), () =>
      this.robotCode(),
    );
    return api;
  }

  private makeApi(): DingTalkApi {
    const { appKey, appSecret, apiBase, oapiBase, log } = this.config;
    return new DingTalkApi({ ...this.config.api, appKey, appSecret, apiBase, oapiBase, log });
  }
}

function mediaType(mime: string): MediaType {
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("audio/")) return "voice";
  if (mime === "video/mp4") return "video";
  return "file";
}

function readLearnedRobotCode(file: string): string | undefined {
  try {
    const code = (JSON.parse(readFileSync(file, "utf8")) as { robotCode?: unknown }).robotCode;
    return typeof code === "string" && code ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Errors leave the adapter marked with the core's `FailureClass` (src/im/platform.ts). */
function classified<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw withFailure(error, classifyDingTalkError(error));
  });
}
