import { IsoClock } from "../kernel/iso-clock.js";
import type { Attachment } from "../kernel/types.js";
import type { Authorizer } from "./auth.js";
import { errorCode, errorMessage } from "./bridge-errors.js";
import {
  type CommandContext,
  type CommandOutcome,
  type ParsedInput,
  parseInput,
  resolveSend,
  runCommand,
  type SendContext,
} from "./commands.js";
import { DEFAULT_INBOUND_RATE, InboundLimiter, type InboundRate } from "./inbound-limit.js";
import type { ProcessingIndicators } from "./indicator.js";
import type { Language, Replies } from "./replies/index.js";
import { quoteRoute } from "./routing.js";
import type { BridgeState, ReplyRoute } from "./state.js";
import type { ActionButton, BridgeHost, InboundMessage, PlatformAdapter, RecordEvent } from "./types.js";

export interface InboundDeps {
  host: BridgeHost;
  adapter: PlatformAdapter;
  state: BridgeState;
  auth: Authorizer;
  indicators: ProcessingIndicators;
  platform: string;
  files: { enabled: boolean; maxBytes: number; maxMb: number };
  /** The chat texts in the group's `im.language`. */
  replies: Replies;
  /** `im.language` (approval texts are kept outside `replies`). */
  language?: Language;
  /** The platform's name in chat texts (default its id). */
  platformName?: string;
  now(): number;
  log(line: string): void;
  reply(
    message: InboundMessage,
    text: string,
    extra?: { kind: "help" | "status"; buttons: ActionButton[] },
  ): Promise<void>;
  event: RecordEvent;
  revoke(chatId: string, by: string): Promise<void>;
  /** The chat talked to us: a chat marked gone is reachable again. */
  revive(chatId: string): void;
  /** The bridge's last classified error, shown by /status. */
  lastError?(): { code: string; message: string; at: string } | undefined;
  /** Messages queued to be sent to the chat (its rate limit paces them), shown by /status. */
  queuedFor?(chatId: string): number;
  /** `/status` as a live board card (board.ts); false → the text reply. Absent: no boards. */
  board?(message: InboundMessage, render: () => { text: string; buttons: ActionButton[] }): Promise<boolean>;
  /**
   * Per-chat rate; null turns the limit off. Default 20 messages per 10 s. It is the only reason a
   * message is refused: how many wait to be handled is bounded by the transport (the journal hands
   * messages over at the bridge's pace; HTTP mode answers after handling), never by refusing.
   */
  rate?: InboundRate | null;
}

/** msgtypes whose content the decoder understands; an empty message of another type is "not supported". */
const KNOWN_TYPES = new Set([
  "text",
  "richText",
  "markdown",
  "chatRecord",
  "picture",
  "file",
  "audio",
  "video",
]);
/** Longer texts are cut (the chat is told). The kernel keeps texts over 32 KB whole in an attachment. */
export const MAX_INBOUND_TEXT_BYTES = 4 * 1024 * 1024;

/**
 * Inbound decision order: redelivery guard → remember the reply route → authorization gate →
 * command, or plain text (direct chat: implicit /send to the foreman; group: a hint, because the
 * seed says plain group messages without /send are ignored — except a quote-reply to an agent's
 * message, an implicit /send to that agent). Messages of one chat are handled in arrival order;
 * different chats do not wait for each other.
 */
export class InboundHandler {
  /** Per chat: the last message's handling (the next one waits for it) and how many are queued. */
  private chains = new Map<string, Promise<void>>();
  private queued = new Map<string, number>();
  /** The reply-route save the error logger is attached to (saves are coalesced: one per write). */
  private routeSave: Promise<void> | undefined;
  private readonly clock: IsoClock;
  private readonly limiter: InboundLimiter<InboundMessage>;

  constructor(private readonly deps: InboundDeps) {
    this.clock = new IsoClock(() => deps.now());
    const rate = deps.rate === undefined ? DEFAULT_INBOUND_RATE : deps.rate;
    this.limiter = new InboundLimiter(rate, deps.now, (chatId, count, reasons, latest) =>
      this.reportRefused(chatId, count, reasons, latest),
    );
  }

  /** Messages refused (per-chat rate limit) since start. */
  get refused(): number {
    return this.limiter.refusedTotal;
  }

  handle(message: InboundMessage): Promise<void> {
    const { state, log } = this.deps;
    const claim = message.messageId === "" ? undefined : `${message.chatId}:${message.messageId}`;
    if (claim !== undefined && state.seenMessage(claim)) {
      log(`[inbound] duplicate ${message.messageId} from ${message.chatId} ignored`);
      return Promise.resolve();
    }
    const chatId = message.chatId;
    // Counted at arrival: a backlog handled late must not look like a flood from this chat.
    if (!this.limiter.take(chatId, message.receivedAt)) {
      this.limiter.refuse(chatId, "rate limit", message);
      return Promise.resolve();
    }
    if (claim !== undefined) state.claimMessage(claim);
    const next = this.run(this.chains.get(chatId), message, claim);
    this.chains.set(chatId, next);
    this.queued.set(chatId, (this.queued.get(chatId) ?? 0) + 1);
    return next;
  }

  /** One message after the chat's previous one; never rejects (one promise per message, not five). */
  private async run(previous: Promise<void> | undefined, message: InboundMessage, claim?: string) {
    const chatId = message.chatId;
    await previous; // also when there is none: handling starts after the caller's turn, as it always did
    try {
      const handling = this.process(message);
      if (handling) await handling;
    } catch (error) {
      this.deps.log(`[inbound] error handling ${message.messageId} from ${chatId}: ${errorMessage(error)}`);
    } finally {
      // Durable only once handled: a message cut short by a crash is handled again when redelivered.
      if (claim !== undefined) this.deps.state.messageHandled(claim);
      const left = (this.queued.get(chatId) ?? 1) - 1;
      if (left > 0) this.queued.set(chatId, left);
      else {
        this.queued.delete(chatId);
        this.chains.delete(chatId);
      }
    }
  }

  /** Report refused messages now (stop) instead of at the end of their window. */
  flushRefused(): void {
    this.limiter.flush();
  }

  /** Wait for messages being handled (stop). */
  async drain(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  /** One report per chat and window: log, ledger event, and one reply to an authorized chat. */
  private reportRefused(chatId: string, count: number, reasons: string[], latest: InboundMessage): void {
    const rate = this.limiter.limit ?? DEFAULT_INBOUND_RATE;
    const seconds = Math.max(1, Math.round(rate.perMs / 1000));
    this.deps.log(
      `[inbound] chat ${chatId}: ${count} message(s) not forwarded (${reasons.join(", ")}; limit ${rate.messages} per ${seconds} s)`,
    );
    void this.deps.event("im.inbound_refused", {
      chat_id: chatId,
      count,
      reasons,
      limit: { messages: rate.messages, per_ms: rate.perMs },
    });
    if (!this.deps.state.authorized(chatId)) return; // strangers get no answer (see the auth gate)
    this.deps
      .reply(latest, this.deps.replies.slowDown(count, rate.messages, seconds))
      .catch((e: unknown) =>
        this.deps.log(`[inbound] cannot tell ${chatId} to slow down: ${errorMessage(e)}`),
      );
  }

  /**
   * Synchronous up to the ledger append in the common case (an authorized chat's text): undefined
   * or one promise, not an async function and an await per step (a burst handles thousands).
   */
  private process(message: InboundMessage): Promise<void> | undefined {
    const remembered = this.remember(message);
    if (remembered) return remembered.then(() => this.decide(message));
    return this.decide(message);
  }

  private decide(message: InboundMessage): Promise<void> | undefined {
    if (message.text.trim() === "" && message.files.length === 0) return this.empty(message);
    const parsed = parseInput(message.text);
    if (this.deps.auth.isAuthorized(message.chatId)) return this.routed(message, parsed);
    return this.gated(message, parsed);
  }

  /** A chat not authorized (yet): the gate answers /subscribe and /help, or hints (auth.ts). */
  private async gated(message: InboundMessage, parsed: ParsedInput): Promise<void> {
    const gate = await this.deps.auth.gate(message, parsed);
    if (gate.type !== "allowed") {
      this.deps.log(
        `[auth] ${message.chatType} chat ${message.chatId} is not authorized (${message.rawType}); nothing forwarded`,
      );
      if (gate.type === "reply") await this.deps.reply(message, gate.text);
      return;
    }
    await this.routed(message, parsed);
  }

  /** Routed once: a command to the commands module, a message to the kernel (`forward`). */
  private routed(message: InboundMessage, parsed: ParsedInput): Promise<void> | undefined {
    const outcome = this.route(message, parsed);
    if (outcome instanceof Promise)
      return outcome.then((o) => (o ? this.forward(message, o.forward.to, o.forward.text) : undefined));
    return outcome ? this.forward(message, outcome.forward.to, outcome.forward.text) : undefined;
  }

  private route(message: InboundMessage, parsed: ParsedInput): CommandOutcome | Promise<CommandOutcome> {
    if (parsed.type === "command") {
      const ctx = this.context(message);
      if (parsed.name === "send" && message.quoted) this.quoteTarget(message);
      return runCommand(ctx, parsed.name, parsed.args);
    }
    if (parsed.type === "unknown_command")
      return this.deps.reply(message, this.deps.replies.unknownCommand(parsed.name)).then(() => undefined);
    const sub = this.deps.state.subscription(message.chatId);
    const quoteTo = message.quoted ? this.quoteTarget(message) : undefined;
    if (message.chatType === "group" && !quoteTo)
      return this.deps.reply(message, this.deps.replies.groupPlainHint).then(() => undefined);
    // Plain text: only what resolveSend uses (the full command context is a dozen closures).
    const send: SendContext = {
      message,
      replies: this.deps.replies,
      reply: (text) => this.deps.reply(message, text),
      groupInfo: () => this.deps.host.groupInfo(),
    };
    return resolveSend(send, parsed.text, sub);
  }

  /** The agent a quote-reply goes to without @targets (logged either way, for "why did it go there?"). */
  private quoteTarget(message: InboundMessage): string | undefined {
    const to = quoteRoute(message.quoted, this.deps.host.groupInfo().actors).to;
    const what = message.quoted?.messageId ?? "a message";
    this.deps.log(
      `[inbound] ${message.messageId} from ${message.chatId} quotes ${what}: ${to ? `goes to ${to} unless it names @targets` : "no agent header, default routing"}`,
    );
    return to;
  }

  /** Nothing to forward: say why to an authorized chat (a bare @bot, or a type we cannot read). */
  private async empty(message: InboundMessage): Promise<void> {
    const known = KNOWN_TYPES.has(message.rawType);
    this.deps.log(
      `[inbound] ${known ? "empty" : `unsupported (${message.rawType})`} message ${message.messageId} from ${message.chatId}; nothing forwarded`,
    );
    if (!this.deps.state.authorized(message.chatId)) return;
    await this.deps.reply(
      message,
      known
        ? this.deps.replies.emptyMessage(message.chatType)
        : this.deps.replies.unsupportedType(message.rawType),
    );
  }

  /**
   * Keep the chat's reply route fresh and notice when a chat marked gone is back. Synchronous
   * (undefined) unless the chat's authorization record changes, which is awaited.
   */
  private remember(message: InboundMessage): Promise<void> | undefined {
    const { state } = this.deps;
    const route: ReplyRoute = { chat_type: message.chatType, updated_at: this.clock.iso() };
    if (message.reply) route.reply = message.reply;
    // The route is used from memory at once; its file write is coalesced and kept off the message's
    // path (stop flushes it). A failed write is logged: it must not keep the message from the agents.
    const saved = state.setRoute(message.chatId, route);
    if (saved !== this.routeSave) {
      this.routeSave = saved;
      saved.catch((e: unknown) =>
        this.deps.log(
          `[inbound] cannot save the reply routes (from ${message.chatId} on): ${errorMessage(e)}`,
        ),
      );
    }
    const chat = state.authorized(message.chatId);
    if (!chat) return undefined;
    const retitled =
      message.chatTitle !== undefined && message.chatTitle !== "" && message.chatTitle !== chat.title;
    if (!chat.gone && !retitled) return undefined;
    const patch: { gone?: undefined; title?: string } = {};
    if (chat.gone) patch.gone = undefined;
    if (retitled) patch.title = message.chatTitle;
    return state.updateAuthorized(message.chatId, patch).then(() => {
      if (chat.gone) this.deps.revive(message.chatId);
    });
  }

  private context(message: InboundMessage): CommandContext {
    const { host, state, adapter } = this.deps;
    return {
      message,
      state,
      groupId: host.groupId,
      replies: this.deps.replies,
      groupInfo: () => host.groupInfo(),
      lastError: () => this.deps.lastError?.(),
      queued: () => this.deps.queuedFor?.(message.chatId) ?? 0,
      now: () => new Date(this.deps.now()),
      reply: (text, extra) => this.deps.reply(message, text, extra),
      interrupt: host.interrupt
        ? (actorId) => host.interrupt?.(actorId) ?? Promise.resolve(false)
        : undefined,
      event: (kind, data) => this.deps.event(kind, data),
      board: (render) => this.deps.board?.(message, render) ?? Promise.resolve(false),
      ...(host.approvals ? { approvals: host.approvals } : {}),
      ...(this.deps.language ? { language: this.deps.language } : {}),
      platform: { id: this.deps.platform, name: this.deps.platformName ?? this.deps.platform },
      log: (line) => this.deps.log(line),
      revoke: () => this.deps.revoke(message.chatId, `chat:${message.staffId ?? message.userId}`),
      buttons: (commands) => {
        // In group chats a platform may only deliver messages that @mention the bot, and a button cannot.
        if (message.chatType !== "direct") return [];
        const out: ActionButton[] = [];
        for (const [title, command] of commands) {
          const url = adapter.commandUrl?.(command);
          if (url === undefined) return [];
          out.push({ title, url });
        }
        return out;
      },
    };
  }

  /** Append the user's message (text only: at once), or download its attachments first. */
  private forward(message: InboundMessage, to: string[], text: string): Promise<void> {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: no byte count needed below a third of the limit.
    if (message.files.length === 0 && text !== "" && text.length * 3 <= MAX_INBOUND_TEXT_BYTES)
      return this.append(message, to, text, []);
    return this.prepare(message, to, text);
  }

  /** Download attachments into blobs and cut an oversized text, then append. */
  private async prepare(message: InboundMessage, to: string[], text: string): Promise<void> {
    const { host, files } = this.deps;
    const attachments: Attachment[] = [];
    if (message.files.length > 0 && !files.enabled)
      await this.deps.reply(message, this.deps.replies.filesDisabled);
    if (files.enabled) {
      for (const file of message.files) {
        const name = file.fileName ?? file.kind;
        try {
          const got = await this.deps.adapter.download(file, files.maxBytes);
          if (got.bytes.length > files.maxBytes)
            throw Object.assign(new Error("too large"), { code: "file_too_large" });
          attachments.push(await host.putBlob(got.bytes, got.name, got.mime));
        } catch (error) {
          const code = errorCode(error) ?? "";
          this.deps.log(
            `[inbound] attachment ${name} from ${message.chatId}: ${code} ${errorMessage(error)}`,
          );
          await this.deps.reply(
            message,
            code.endsWith("too_large")
              ? this.deps.replies.fileTooLarge(name, files.maxMb)
              : this.deps.replies.fileFailed(name, errorMessage(error)),
          );
        }
      }
    }
    let body = text;
    if (Buffer.byteLength(body) > MAX_INBOUND_TEXT_BYTES) {
      const full = Buffer.byteLength(body);
      body = Buffer.from(body)
        .subarray(0, MAX_INBOUND_TEXT_BYTES)
        .toString("utf8")
        .replace(/\uFFFD+$/, "");
      this.deps.log(
        `[inbound] text from ${message.chatId} cut from ${full} to ${MAX_INBOUND_TEXT_BYTES} bytes`,
      );
      await this.deps.reply(message, this.deps.replies.textCut(full, MAX_INBOUND_TEXT_BYTES));
    }
    if (body === "") {
      if (attachments.length === 0) return; // nothing left to forward; the user was told why
      body =
        attachments.length === 1
          ? `[file] ${attachments[0]?.name ?? ""}`
          : `[files] ${attachments.length} attachments`;
    }
    await this.append(message, to, body, attachments);
  }

  /** The user's message into the ledger, then its indicator; a failed append is told to the chat. */
  private append(
    message: InboundMessage,
    to: string[],
    text: string,
    attachments: Attachment[],
  ): Promise<void> {
    const source = {
      platform: this.deps.platform,
      chat_id: message.chatId,
      chat_type: message.chatType,
      user_id: message.staffId ?? message.userId,
      user_name: message.userName,
      message_id: message.messageId,
    };
    return this.deps.host.appendUserMessage({ text, to, attachments, source }).then(
      (event) => this.deps.indicators.start(event.id, message, to),
      (error: unknown) => {
        this.deps.log(`[inbound] cannot append message from ${message.chatId}: ${errorMessage(error)}`);
        return this.deps.reply(message, this.deps.replies.sendFailed(errorMessage(error)));
      },
    );
  }
}
