/**
 * "Working" cards (`im.working: card`): a forwarded message to actors without a live stream (PTY,
 * custom runners) gets a small card that says who is working, ends "answered" when the reply
 * reaches the chat, and "no answer yet" after `workingMs` — the user always knows the state.
 * Messages to structured actors get none: their reply stream has a card of its own.
 */
import { errorMessage } from "../bridge-errors.js";
import type { CardTexts } from "../replies/cards.js";
import type { ActorSummary, CardSurface, ChatTarget, InboundMessage } from "../types.js";
import { LiveCard } from "./live-card.js";
import type { OpenCards } from "./open-cards.js";

export interface WorkingCardsDeps {
  surface: CardSurface;
  texts: CardTexts;
  open: OpenCards;
  workingMs: number;
  minIntervalMs: number;
  now(): number;
  log(line: string): void;
}

interface Working {
  eventId: string;
  chatId: string;
  title: string;
  card: LiveCard;
  timer: NodeJS.Timeout;
}

const MAX_PER_CHAT = 50;

/** The actors a forwarded message goes to (`@foreman`, `@peers`, `@all`, ids). */
export function recipientsOf(to: readonly string[], actors: readonly ActorSummary[]): ActorSummary[] {
  const out = new Set<ActorSummary>();
  for (const t of to.length > 0 ? to : ["@foreman"]) {
    for (const a of actors) {
      if (
        t === "@all" ||
        a.id === t ||
        (t === "@foreman" && a.role === "foreman") ||
        (t === "@peers" && a.role === "peer")
      )
        out.add(a);
    }
  }
  return [...out];
}

export class WorkingCards {
  private readonly pending = new Map<string, Working>();

  constructor(private readonly deps: WorkingCardsDeps) {}

  /** A card for this message unless every recipient streams its reply; true when one was made. */
  start(eventId: string, message: InboundMessage, recipients: ActorSummary[], target: ChatTarget): boolean {
    const quiet = recipients.filter((a) => !a.streams);
    if (quiet.length === 0) return recipients.length > 0;
    const title = quiet.map((a) => a.title || a.id).join(", ");
    const { surface, texts } = this.deps;
    const card = new LiveCard(
      {
        surface,
        minIntervalMs: this.deps.minIntervalMs,
        now: this.deps.now,
        onError: (error) => this.deps.log(`[cards] working card: ${errorMessage(error)}`),
        onChange: (c) => {
          if (!c.id) return;
          if (c.open)
            this.deps.open.set({
              card_id: c.id,
              chat_id: message.chatId,
              stream_id: `working:${eventId}`,
              title,
              text: "",
              at: new Date(this.deps.now()).toISOString(),
            });
          else this.deps.open.delete(c.id);
        },
        onBroken: () => undefined,
      },
      target,
      { title, text: texts.working(title), status: "working" },
    );
    const timer = setTimeout(() => this.end(eventId, "noAnswer"), this.deps.workingMs);
    timer.unref?.();
    this.pending.set(eventId, { eventId, chatId: message.chatId, title, card, timer });
    const inChat = [...this.pending.values()].filter((w) => w.chatId === message.chatId);
    if (inChat.length > MAX_PER_CHAT && inChat[0]) this.end(inChat[0].eventId, "noAnswer");
    return true;
  }

  /** A reply reached `chatId`: end the matching card (by reply_to, or the chat's only one). */
  complete(chatId: string, replyTo: string | undefined): void {
    let match = replyTo !== undefined ? this.pending.get(replyTo) : undefined;
    if (match && match.chatId !== chatId) match = undefined;
    if (!match && replyTo === undefined) {
      const inChat = [...this.pending.values()].filter((w) => w.chatId === chatId);
      if (inChat.length === 1) match = inChat[0];
    }
    if (match) this.end(match.eventId, "answered");
  }

  stop(): void {
    for (const w of this.pending.values()) {
      clearTimeout(w.timer);
      w.card.stop();
    }
    this.pending.clear();
  }

  private end(eventId: string, why: "answered" | "noAnswer"): void {
    const w = this.pending.get(eventId);
    if (!w) return;
    this.pending.delete(eventId);
    clearTimeout(w.timer);
    const { texts } = this.deps;
    const view =
      why === "answered"
        ? { title: w.title, text: texts.answered(w.title), status: "done" as const }
        : { title: w.title, text: texts.noAnswerYet(w.title), status: "interrupted" as const };
    void w.card.finish(view).then((ok) => {
      if (!ok)
        this.deps.log(`[cards] cannot end the working card in ${w.chatId}: ${errorMessage(w.card.error)}`);
    });
  }
}
