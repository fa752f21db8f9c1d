import type { LedgerEventData, LedgerKind } from "../kernel/event-kinds.js";
import { Authorizer } from "./auth.js";
import { DEFAULT_BOARD_TIMING, LiveBoards } from "./board.js";
import { BridgeAdmin } from "./bridge-admin.js";
import { makeBridgeCards } from "./bridge-cards.js";
import { BridgeChat } from "./bridge-chat.js";
import {
  type BridgeConfig,
  type BridgeOptions,
  DEFAULT_RETRY,
  type ImStatus,
  maxFileBytes,
} from "./bridge-config.js";
import { errorCode, errorMessage } from "./bridge-errors.js";
import type { ApprovalCards } from "./cards/approval-cards.js";
import type { CardStreams } from "./cards/card-streams.js";
import { recipientsOf, type WorkingCards } from "./cards/working-cards.js";
import { chatTargetOf, targetOf } from "./chat-target.js";
import { chooseContent as defaultChooseContent } from "./format.js";
import { InboundHandler } from "./inbound.js";
import { ProcessingIndicators } from "./indicator.js";
import { OutboundFollower } from "./outbound.js";
import type { ChooseContent } from "./outbound-deps.js";
import { approvalRepliesFor } from "./replies/approvals.js";
import { type Replies, repliesFor } from "./replies/index.js";
import { BridgeState } from "./state.js";
import type { BridgeHost, InboundMessage, PlatformAdapter } from "./types.js";

export type { BridgeConfig, BridgeOptions, ImStatus } from "./bridge-config.js";

/**
 * The platform-neutral IM bridge of one group: its lifecycle (start, stop, crash, status) and the
 * wiring of the message path: inbound.ts (adapter → ledger), outbound.ts (ledger → adapter),
 * bridge-chat.ts (the bridge's own replies and notes), bridge-cards.ts (live cards). The admin API (`admin`: bind, pending, authorized, revoke) also works while the bridge
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
  /** What the bridge itself says in chats: command replies, notes, the /status board. */
  private readonly chat: BridgeChat;

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
    this.boards = new LiveBoards(config.board ?? DEFAULT_BOARD_TIMING, this.now, log);
    this.chat = new BridgeChat({
      host,
      adapter,
      state: this.state,
      replies: this.replies,
      chooseContent: this.choose,
      boards: this.boards,
      boardsOn: config.board !== null,
      outbound: () => this.outbound,
      running: () => this.running,
    });
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
        this.chat
          .tell(chatId, text)
          .catch((e: unknown) =>
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
          // Without working cards, no group info (it lists every actor's status) per message.
          if (!this.working) return false;
          const actors = recipientsOf(to, this.host.groupInfo().actors);
          return this.working.start(eventId, message, actors, targetOf(message));
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
      tell: (chatId, text) => this.chat.tell(chatId, text),
    });
    this.inbound = new InboundHandler({
      host,
      adapter,
      state: this.state,
      auth: this.auth,
      indicators: this.indicators,
      platform: config.platform,
      files: { enabled: config.filesEnabled, maxBytes: maxFileBytes(config), maxMb: config.maxFileMb },
      replies: this.replies,
      language: config.language ?? "en",
      ...(config.platformName ? { platformName: config.platformName } : {}),
      now: this.now,
      log,
      reply: (message, text, extra) => this.chat.reply(message, text, extra),
      event: (kind, data) => this.event(kind, data),
      revoke: async (chatId, by) => {
        await this.auth.revoke(chatId, by);
      },
      revive: (chatId) => this.outbound.revive(chatId),
      lastError: () => this.status().last_error,
      queuedFor: (chatId) => this.outbound.queuedFor(chatId),
      board: (message, render) => this.chat.openBoard(message, render),
      ...(config.inboundRate !== undefined ? { rate: config.inboundRate } : {}),
    });
  }

  private makeOutbound(): OutboundFollower {
    return new OutboundFollower({
      host: this.host,
      adapter: this.adapter,
      state: this.state,
      chooseContent: this.choose,
      files: { enabled: this.config.filesEnabled, maxBytes: maxFileBytes(this.config) },
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
      ({
        cards: this.cards,
        working: this.working,
        approvalCards: this.approvalCards,
      } = makeBridgeCards({
        host: this.host,
        adapter: this.adapter,
        state: this.state,
        config: this.config,
        options: this.options,
        now: this.now,
        target: (chatId) => chatTargetOf(this.state, chatId),
        tell: (chatId, text) => this.chat.tell(chatId, text),
      }));
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
      ...(this.phase === "running" ? this.waiting(a.inboundWaiting) : {}),
    };
  }

  private waiting(inbound: number | undefined): Partial<ImStatus> {
    const out = this.outbound.waiting();
    return {
      ...(inbound !== undefined ? { inbound_waiting: inbound } : {}),
      outbound_waiting: out.messages,
      outbound_waiting_chats: out.chats,
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

  private onMessage(message: InboundMessage): Promise<void> {
    // Running: `ready` has resolved, no need to wait a turn for it (one promise less per message).
    if (this.phase === "running") {
      try {
        return this.inbound.handle(message);
      } catch (error) {
        return Promise.reject(error); // as when it ran after an await: the adapter gets a rejection
      }
    }
    return this.ready.then(() => (this.phase === "running" ? this.inbound.handle(message) : undefined));
  }

  private async event<K extends LedgerKind>(kind: K, data: LedgerEventData[K]): Promise<void> {
    try {
      await this.host.appendEvent(kind, data);
    } catch (error) {
      this.host.log(`[bridge] cannot record ${kind}: ${errorMessage(error)}`);
    }
  }
}
