/**
 * The fake's AI card store (protocol §3.10): templates, card instances and the record of every
 * state a card went through, so tests assert what a user's phone would show.
 */

export const STANDARD_AI_CARD_TEMPLATE = "382e4302-551d-4880-bf29-a30acfab2e71.schema";

export type FakeCardSpace =
  | { kind: "group"; openConversationId: string }
  | { kind: "direct"; userId: string };

export interface FakeCardState {
  op: "create" | "stream" | "update";
  flowStatus: string;
  title: string;
  content: string;
  finalize: boolean;
  error: boolean;
  at: number;
}

export interface FakeCard {
  outTrackId: string;
  templateId: string;
  openSpaceId: string;
  space: FakeCardSpace;
  robotCode: string;
  /** Current `cardParamMap` (streamed text lands in its key, e.g. `msgContent`). */
  params: Record<string, string>;
  states: FakeCardState[];
  finalized: boolean;
  /** The text when the card was finalized (streaming `isFinalize`, or `flowStatus` 3/5). */
  finalText?: string;
  /** Finalized as an error (`isError`, or `flowStatus` 5). */
  failed: boolean;
  createdAt: number;
  expiresAt: number;
  lastUpdateAt: number;
  /** Updates refused by the per-card rate limit. */
  updatesRefused: number;
}

export interface FakeCardOptions {
  /** Minimum time between two accepted updates of one card (default 250 ms); 0: no limit. */
  updateMinIntervalMs?: number;
  /** A card instance lives this long, then updates get "card not exist" (default 7 days). */
  ttlMs?: number;
}

export class FakeCards {
  readonly cards = new Map<string, FakeCard>();
  /** templateId → its variables. */
  readonly templates = new Map<string, string[]>([
    [STANDARD_AI_CARD_TEMPLATE, ["msgContent", "msgTitle", "flowStatus"]],
  ]);
  readonly updateMinIntervalMs: number;
  readonly ttlMs: number;

  constructor(opts: FakeCardOptions = {}) {
    this.updateMinIntervalMs = opts.updateMinIntervalMs ?? 250;
    this.ttlMs = opts.ttlMs ?? 7 * 24 * 3600_000;
  }

  /** Cards in creation order. */
  list(): FakeCard[] {
    return [...this.cards.values()];
  }

  /** Cards delivered to a group or a user. */
  inGroup(openConversationId: string): FakeCard[] {
    return this.list().filter(
      (c) => c.space.kind === "group" && c.space.openConversationId === openConversationId,
    );
  }
  toUser(userId: string): FakeCard[] {
    return this.list().filter((c) => c.space.kind === "direct" && c.space.userId === userId);
  }

  /** The card expires now: every later update answers "card not exist". */
  expire(outTrackId: string): void {
    const c = this.cards.get(outTrackId);
    if (c) c.expiresAt = 0;
  }

  /** A live card, or undefined when unknown or expired. */
  live(outTrackId: string, now = Date.now()): FakeCard | undefined {
    const c = this.cards.get(outTrackId);
    return c && c.expiresAt > now ? c : undefined;
  }

  /** Record the card's current state after an accepted call. */
  record(card: FakeCard, op: FakeCardState["op"], finalize: boolean, error: boolean, now = Date.now()): void {
    card.states.push({
      op,
      flowStatus: card.params.flowStatus ?? "",
      title: card.params.msgTitle ?? "",
      content: card.params.msgContent ?? "",
      finalize,
      error,
      at: now,
    });
  }
}
