/**
 * What a `Bridge` is built with (the group's `im:` settings as the daemon resolved them, and the
 * tuning/test seams) and what it reports (`ImStatus`). Types only, plus the send queue's default
 * retry policy.
 */
import type { BindLimits } from "./bind-throttle.js";
import type { BoardTiming } from "./board.js";
import type { CardTimings } from "./cards/timings.js";
import type { InboundRate } from "./inbound-limit.js";
import type { ChooseContent } from "./outbound-deps.js";
import type { Language } from "./replies/index.js";
import type { RetryPolicy } from "./send-queue.js";

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
  /** Running: inbound messages acked, not yet handed to the agents (`AdapterStatus.inboundWaiting`). */
  inbound_waiting?: number;
  /** Running: messages queued for the platform, and in how many chats (`OutboundFollower.waiting`). */
  outbound_waiting?: number;
  outbound_waiting_chats?: number;
}

/** Backoff 1 s doubling to 60 s; 40 attempts ride out a platform outage of about half an hour. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60_000, attempts: 40 };

/** `im.files.max_mb` in bytes. */
export function maxFileBytes(config: BridgeConfig): number {
  return Math.round(config.maxFileMb * 1024 * 1024);
}
