/**
 * The bridge's live cards (docs/im-bridge.md "Cards"): reply-stream cards, and "working" cards for
 * actors without a stream when `im.working` is `card`. Made at each start, when the platform has a
 * card surface and `im.cards` is on; none otherwise.
 */
import type { BridgeConfig, BridgeOptions } from "./bridge-config.js";
import { errorMessage } from "./bridge-errors.js";
import { type ApprovalCards, approvalCardsFor } from "./cards/approval-cards.js";
import { CardStreams } from "./cards/card-streams.js";
import { OpenCards } from "./cards/open-cards.js";
import { DEFAULT_CARD_TIMINGS } from "./cards/timings.js";
import { WorkingCards } from "./cards/working-cards.js";
import { approvalRepliesFor } from "./replies/approvals.js";
import { cardTextsFor } from "./replies/cards.js";
import type { BridgeState } from "./state.js";
import type { BridgeHost, ChatTarget, PlatformAdapter } from "./types.js";

export interface BridgeCardsDeps {
  host: BridgeHost;
  adapter: PlatformAdapter;
  state: BridgeState;
  config: BridgeConfig;
  options: BridgeOptions;
  now(): number;
  /** Where a chat's card goes (its last route). */
  target(chatId: string): ChatTarget;
  /** Tell a chat something about its cards (e.g. the permission the app lacks). */
  tell(chatId: string, text: string): Promise<void>;
}

export interface BridgeCards {
  cards?: CardStreams;
  working?: WorkingCards;
  /** Approval requests as cards updated in place after the decision (docs/approvals.md). */
  approvalCards?: ApprovalCards;
}

export function makeBridgeCards(d: BridgeCardsDeps): BridgeCards {
  const surface = d.adapter.cards;
  if (!surface || d.config.cards === false) return {};
  const log = (line: string) => d.host.log(line);
  const texts = cardTextsFor(d.config.language ?? "en");
  const timings = { ...DEFAULT_CARD_TIMINGS, ...d.options.cardTimings };
  const open = new OpenCards(d.host.stateDir, log);
  const cards = new CardStreams({
    host: d.host,
    surface,
    state: d.state,
    open,
    texts,
    timings,
    target: d.target,
    hint: (chatId, text) =>
      void d
        .tell(chatId, text)
        .catch((e: unknown) => log(`[cards] cannot send the hint: ${errorMessage(e)}`)),
    now: d.now,
    log,
  });
  const language = d.config.language ?? "en";
  const approvalCards = approvalCardsFor(d.adapter, surface, {
    stateDir: d.host.stateDir,
    texts: approvalRepliesFor(language),
    platform: { id: d.config.platform, name: d.config.platformName ?? d.config.platform },
    hint: (chatId, text) =>
      void d.tell(chatId, text).catch((e: unknown) => log(`[approval-cards] no hint: ${errorMessage(e)}`)),
    now: d.now,
    log,
  });
  if (d.config.working !== "card") return { cards, approvalCards };
  const { workingMs, minIntervalMs } = timings;
  return {
    cards,
    approvalCards,
    working: new WorkingCards({ surface, texts, open, workingMs, minIntervalMs, now: d.now, log }),
  };
}
