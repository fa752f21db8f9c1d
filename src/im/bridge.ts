import type { LedgerEventData, LedgerKind } from "../kernel/event-kinds.js";
import { Authorizer } from "./auth.js";
import type { BindLimits } from "./bind-throttle.js";
import { type BoardTiming, DEFAULT_BOARD_TIMING, LiveBoards, statusBoardSource } from "./board.js";
import { BridgeAdmin } from "./bridge-admin.js";
import { errorCode, errorMessage } from "./bridge-errors.js";
import { type ApprovalCards, approvalCardsFor } from "./cards/approval-cards.js";
import { CardStreams } from "./cards/card-streams.js";
import { OpenCards } from "./cards/open-cards.js";
import { type CardTimings, DEFAULT_CARD_TIMINGS } from "./cards/timings.js";
import { recipientsOf, WorkingCards } from "./cards/working-cards.js";
import { chooseContent as defaultChooseContent } from "./format.js";
import { InboundHandler } from "./inbound.js";
import type { InboundRate } from "./inbound-limit.js";
import { ProcessingIndicators } from "./indicator.js";
import { type ChooseContent, OutboundFollower } from "./outbound.js";
import { approvalRepliesFor } from "./replies/approvals.js";
import { cardTextsFor } from "./replies/cards.js";
import { type Language, type Replies, repliesFor } from "./replies/index.js";
import type { RetryPolicy } from "./send-queue.js";
import { BridgeState } from "./state.js";
import type {
  ActionButton,
  BridgeHost,
  ChatTarget,
  InboundMessage,
  OutboundContent,
  PlatformAdapter,
} from "./types.js";

export interface BridgeConfig {
  platform: string;
  /** `im.files.enabled`: forward inbound files and send agents' attachments. */
  filesEnabled: boolean;
  /** `im.files.max_mb`. */
  maxFileMb: number;
  /** The platform module's `allowedUsers(im)`: user ids whose /subscribe is approved without a key. */
  allowedUsers?: string[];
  /** Per-chat inbound rate (default 20 messages per 10 s); null: no limit. `CCCC_IM_INBOUND_RATE`. */
  inboundRate?: InboundRate | null;
  /** `im.language`: the language of every chat text and button title (default "en"). */
  language?: Language;
  /** The platform as the chats' users call it, in `im.language` (`PlatformUi`; default `platform`). */
  platformName?: string;
  /** `im.cards` (default on): live reply cards where the platform has them (docs/im-bridge.md "Cards"). */
  cards?: boolean;
  /** `im.working`: for actors without a live stream, the 🤔 reaction (default) or a small "working" card. */
  working?: "reaction" | "card";
  /** `im.board`: how long and how often a /status board card updates itself; null: no board (cards off). */
  board?: BoardTiming | null;
}

/** Tuning and test seams; the daemon passes none. */
export interface BridgeOptions {
  chooseContent?: ChooseContent;
  now?: () => number;
  retry?: Partial<RetryPolicy>;
  hintIntervalMs?: number;
  keyTtlMs?: number;
  /** Live /subscribe keys across chats (default 500). */
  maxPendingKeys?: number;
  /** Wrong `bind` keys allowed per source and in all per window (default 5 / 20 per 10 min). */
  bindLimits?: BindLimits;
  indicatorTimeoutMs?: number;
  cursorFlushMs?: number;
  /** Card pacing and watchdogs (`CCCC_IM_CARD_TIMINGS`). */
  cardTimings?: Partial<CardTimings>;
}

/** `ImStatus` of docs/im.md. */
export interface ImStatus {
  running: boolean;
  state: "stopped" | "starting" | "running" | "error";
  connected: boolean;
  connected_since?: string;
  reconnects: number;
  subscribers: number;
  last_error?: { code: string; message: string; at: string };
  /** Inbound messages refused since start (per-chat rate limit); each chat was told. */
  refused_inbound?: number;
  /** Outbound sends refused since start because a chat's queue was full (logged). */
  refused_outbound?: number;
}

/** Backoff 1 s doubling to 60 s; 40 attempts ride out a platform outage of about half an hour. */
const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60_000, attempts: 40 };

/**
 * The platform-neutral IM bridge of one group: the message path (adapter ⇄ inbound/outbound) and its
 * lifecycle. The admin API (`admin`: bind, pending, authorized, revoke) also works while the bridge
 * is stopped (it only touches the state files; the chat is told when running).
 */
export class Bridge {
  readonly state: BridgeState;
  /** The chats' authorization: bind, pending, authorized, revoke (routes and CLI; no message path). */
  readonly admin: BridgeAdmin;
  private readonly auth: Authorizer;
  private readonly indicators: ProcessingIndicators;
  private readonly inbound: InboundHandler;
  private outbound: OutboundFollower;
  private phase: ImStatus["state"] = "stopped";
  private lastError: ImStatus["last_error"];
  private sweepTimer: NodeJS.Timeout | undefined;
  private crashListeners: Array<(error: Error) => void> = [];
  private ready: Promise<void> = Promise.resolve();
  private generation = 0;
  private readonly now: () => number;
  private readonly choose: ChooseContent;
  private readonly replies: Replies;
  private cards: CardStreams | undefined;
  private working: WorkingCards | undefined;
  private approvalCards: ApprovalCards | undefined;
  private readonly boards: LiveBoards;

  constructor(
    private readonly host: BridgeHost,
    private readonly adapter: PlatformAdapter,
    private readonly config: BridgeConfig,
    private readonly options: BridgeOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.choose = options.chooseContent ?? defaultChooseContent;
    this.replies = repliesFor(config.language ?? "en");
    this.state = new BridgeState(host.stateDir);
    const log = (line: string) => host.log(line);
    this.auth = new Authorizer({
      state: this.state,
      groupId: host.groupId,
      groupTitle: () => host.groupInfo().title,
      allowedUsers: config.allowedUsers ?? [],
      replies: this.replies,
      now: this.now,
      ...(options.keyTtlMs !== undefined ? { keyTtlMs: options.keyTtlMs } : {}),
      ...(options.hintIntervalMs !== undefined ? { hintIntervalMs: options.hintIntervalMs } : {}),
      ...(options.maxPendingKeys !== undefined ? { maxPendingKeys: options.maxPendingKeys } : {}),
      ...(options.bindLimits !== undefined ? { bindLimits: options.bindLimits } : {}),
      event: (kind, data) => this.event(kind, data),
      tell: (chatId, text) =>
        this.tell(chatId, text).catch((e: unknown) =>
          this.host.log(`[auth] cannot tell ${chatId} its key was dropped: ${errorMessage(e)}`),
        ),
    });
    this.indicators = new ProcessingIndicators(
      adapter,
      log,
      this.now,
      options.indicatorTimeoutMs ?? 30 * 60_000,
      {
        start: (eventId, message, to) => {
          const target: ChatTarget = { chatId: message.chatId, chatType: message.chatType };
          if (message.reply) target.reply = message.reply;
          const actors = recipientsOf(to, this.host.groupInfo().actors);
          return this.working?.start(eventId, message, actors, target) ?? false;
        },
        cards: () => this.working,
      },
    );
    this.outbound = this.makeOutbound();
    this.admin = new BridgeAdmin({
      state: this.state,
      auth: this.auth,
      replies: this.replies,
      groupInfo: () => ({ id: host.groupId, title: host.groupInfo().title }),
      tell: (chatId, text) => this.tell(chatId, text),
    });
    this.boards = new LiveBoards(config.board ?? DEFAULT_BOARD_TIMING, this.now, log);
    const maxBytes = Math.round(config.maxFileMb * 1024 * 1024);
    this.inbound = new InboundHandler({
      host,
      adapter,
      state: this.state,
      auth: this.auth,
      indicators: this.indicators,
      platform: config.platform,
      files: { enabled: config.filesEnabled, maxBytes, maxMb: config.maxFileMb },
      replies: this.replies,
      language: config.language ?? "en",
      ...(config.platformName ? { platformName: config.platformName } : {}),
      now: this.now,
      log,
      reply: (message, text, extra) => this.replyTo(message, text, extra),
      event: (kind, data) => this.event(kind, data),
      revoke: async (chatId, by) => {
        await this.auth.revoke(chatId, by);
      },
      revive: (chatId) => this.outbound.revive(chatId),
      lastError: () => this.status().last_error,
      board: (message, render) => this.openBoard(message, render),
      ...(config.inboundRate !== undefined ? { rate: config.inboundRate } : {}),
    });
  }

  private makeOutbound(): OutboundFollower {
    return new OutboundFollower({
      host: this.host,
      adapter: this.adapter,
      state: this.state,
      chooseContent: this.choose,
      files: { enabled: this.config.filesEnabled, maxBytes: Math.round(this.config.maxFileMb * 1024 * 1024) },
      replies: this.replies,
      approvalReplies: approvalRepliesFor(this.config.language ?? "en"),
      // Undefined when the platform has no button that sends a command back: then no buttons.
      commandUrl: (command) => this.adapter.commandUrl?.(command),
      retry: { ...DEFAULT_RETRY, ...this.options.retry },
      indicators: this.indicators,
      now: this.now,
      log: (line) => this.host.log(line),
      onFatal: (error) => this.crash(error),
      cards: () => this.cards,
      approvalCards: () => this.approvalCards,
      ...(this.options.cursorFlushMs !== undefined ? { cursorFlushMs: this.options.cursorFlushMs } : {}),
    });
  }

  /** Cards for reply streams, when the platform has them, the host streams and `im.cards` is on. */
  private makeCards(): void {
    const surface = this.adapter.cards;
    if (!surface || this.config.cards === false) return;
    const log = (line: string) => this.host.log(line);
    const texts = cardTextsFor(this.config.language ?? "en");
    const timings = { ...DEFAULT_CARD_TIMINGS, ...this.options.cardTimings };
    const open = new OpenCards(this.host.stateDir, log);
    this.cards = new CardStreams({
      host: this.host,
      surface,
      state: this.state,
      open,
      texts,
      timings,
      target: (chatId) => this.chatTarget(chatId),
      hint: (chatId, text) =>
        void this.tell(chatId, text).catch((e: unknown) =>
          log(`[cards] cannot send the hint: ${errorMessage(e)}`),
        ),
      now: this.now,
      log,
    });
    this.approvalCards = approvalCardsFor(this.adapter, surface, {
      stateDir: this.host.stateDir,
      texts: approvalRepliesFor(this.config.language ?? "en"),
      platform: { id: this.config.platform, name: this.config.platformName ?? this.config.platform },
      hint: (chatId, text) =>
        void this.tell(chatId, text).catch((e: unknown) =>
          log(`[approval-cards] no hint: ${errorMessage(e)}`),
        ),
      now: this.now,
      log,
    });
    if (this.config.working === "card") {
      const { workingMs, minIntervalMs } = timings;
      this.working = new WorkingCards({ surface, texts, open, workingMs, minIntervalMs, now: this.now, log });
    }
  }

  get running(): boolean {
    return this.phase === "running";
  }

  /** Connect the platform and follow the ledger. Rejects with the adapter's classified error. */
  async start(): Promise<void> {
    if (this.phase === "running" || this.phase === "starting") return;
    const generation = ++this.generation;
    this.phase = "starting";
    let markReady = () => {};
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    try {
      await this.state.load();
      await this.adapter.start((message) => this.onMessage(message));
      this.adapter.onFatal?.((error) => {
        if (generation === this.generation) this.crash(error);
      });
      this.outbound = this.makeOutbound();
      this.makeCards();
      await this.cards?.start();
      await this.approvalCards?.load();
      await this.outbound.start();
    } catch (error) {
      this.setError(error);
      this.phase = "error";
      markReady();
      await this.adapter.stop().catch(() => undefined);
      throw error;
    }
    this.phase = "running";
    markReady();
    this.sweepTimer = setInterval(() => this.indicators.sweep(), 60_000);
    this.sweepTimer.unref?.();
    this.host.log(`[bridge] started (${this.config.platform})`);
    await this.event("im.started", { platform: this.config.platform });
  }

  async stop(reason = "stopped"): Promise<void> {
    if (this.phase === "stopped" || this.phase === "error") return;
    this.generation++;
    this.phase = "stopped";
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.boards.stop();
    await this.adapter
      .stop()
      .catch((e: unknown) => this.host.log(`[bridge] adapter stop: ${errorMessage(e)}`));
    this.inbound.flushRefused(); // counted and logged now; the reply may not get out any more
    await this.outbound.stop(); // aborts queued sends, so replies awaited by inbound handling resolve
    await this.cards?.stop();
    this.working?.stop();
    await this.approvalCards?.flush();
    this.cards = undefined;
    this.approvalCards = undefined;
    this.working = undefined;
    await this.inbound.drain();
    this.indicators.clear();
    await this.state.flush().catch((e: unknown) => this.host.log(`[bridge] ${errorMessage(e)}`));
    this.host.log(`[bridge] stopped (${reason})`);
    await this.event("im.stopped", { platform: this.config.platform, reason });
  }

  /** Called once per crash (the supervisor restarts). */
  onCrash(listener: (error: Error) => void): void {
    this.crashListeners.push(listener);
  }

  private crash(error: unknown): void {
    if (this.phase !== "running" && this.phase !== "starting") return;
    this.setError(error);
    this.host.log(`[bridge] crashed: ${errorMessage(error)}`);
    const err = error instanceof Error ? error : new Error(String(error));
    void this.stop("crashed").finally(() => {
      this.phase = "error";
      for (const l of this.crashListeners) l(err);
    });
  }

  private setError(error: unknown): void {
    this.lastError = {
      code: errorCode(error) ?? "bridge_error",
      message: errorMessage(error),
      at: new Date(this.now()).toISOString(),
    };
  }

  status(): ImStatus {
    const a = this.adapter.status();
    const subscribers = this.state
      .listAuthorized()
      .filter((c) => this.state.subscription(c.chat_id)?.subscribed === true).length;
    const lastError = this.lastError ?? a.lastError;
    return {
      running: this.phase === "running",
      state: this.phase,
      connected: this.phase === "running" && a.connected,
      ...(a.connectedSince ? { connected_since: a.connectedSince } : {}),
      reconnects: a.reconnects,
      subscribers,
      ...(lastError ? { last_error: lastError } : {}),
      refused_inbound: this.inbound.refused,
      refused_outbound: this.outbound.refused,
    };
  }

  /** Resolves when every ledger event so far has been handled (tests, graceful shutdown). */
  async idle(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.running && !this.outbound.isIdle()) {
      if (Date.now() > until) throw new Error("bridge did not become idle");
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.state.flush();
  }

  private async onMessage(message: InboundMessage): Promise<void> {
    await this.ready;
    if (this.phase !== "running") return;
    await this.inbound.handle(message);
  }

  private content(
    text: string,
    extra?: { kind: "help" | "status"; buttons: ActionButton[] },
  ): OutboundContent {
    return this.choose({ text, title: "", ...(extra ? { kind: extra.kind, buttons: extra.buttons } : {}) });
  }

  private async replyTo(
    message: InboundMessage,
    text: string,
    extra?: { kind: "help" | "status"; buttons: ActionButton[] },
  ) {
    const target: ChatTarget = { chatId: message.chatId, chatType: message.chatType };
    if (message.reply) target.reply = message.reply;
    await this.outbound.reply(target, this.content(text, extra));
  }

  /** /status as a live board card, when the platform has cards and they are on. */
  private async openBoard(
    message: InboundMessage,
    render: () => { text: string; buttons: ActionButton[] },
  ): Promise<boolean> {
    const open = this.adapter.openBoard?.bind(this.adapter);
    if (!open || this.config.board === null) return false;
    const target: ChatTarget = { chatId: message.chatId, chatType: message.chatType };
    if (message.reply) target.reply = message.reply;
    const source = statusBoardSource(this.replies, () => this.host.groupInfo().title, render);
    return this.boards.open(message.chatId, (view) => open(target, view), source);
  }

  /** Out-of-band message to a chat (bind, revoke): through its queue when running, else skipped. */
  private async tell(chatId: string, text: string): Promise<void> {
    if (!this.running) {
      this.host.log(`[bridge] not running: chat ${chatId} was not told: ${text.split("\n")[0]}`);
      return;
    }
    await this.outbound.reply(this.chatTarget(chatId), this.content(text));
  }

  private chatTarget(chatId: string): ChatTarget {
    const route = this.state.route(chatId);
    const chat = this.state.authorized(chatId);
    const target: ChatTarget = { chatId, chatType: route?.chat_type ?? chat?.chat_type ?? "direct" };
    if (route?.reply) target.reply = route.reply;
    return target;
  }

  private async event<K extends LedgerKind>(kind: K, data: LedgerEventData[K]): Promise<void> {
    try {
      await this.host.appendEvent(kind, data);
    } catch (error) {
      this.host.log(`[bridge] cannot record ${kind}: ${errorMessage(error)}`);
    }
  }
}
