/**
 * One AI card per reply stream per chat that will see the reply (docs/im-bridge.md "Cards").
 * Stream events create and update the cards; the final `chat.message` (delivered by the outbound
 * follower in the chat's order) finishes them through `deliverFinal`, which returns what still has to
 * go out as messages — "" only when the cards were finished with exactly the message's text.
 * A stream that ends without its answer, stalls, or was open when the bridge stopped is finalized
 * with a clear state. A missing card permission turns cards off for the run with one hint per chat.
 */
import { errorMessage } from "../bridge-errors.js";
import type { CardTexts } from "../replies/cards.js";
import { chatReceives } from "../routing.js";
import type { BridgeState } from "../state.js";
import type { BridgeHost, CardSurface, CardView, ChatTarget, ReplyStreamEvent } from "../types.js";
import { endedText, splitForCards, streamingText } from "./card-text.js";
import { LiveCard } from "./live-card.js";
import type { OpenCardRecord, OpenCards } from "./open-cards.js";
import type { CardTimings } from "./timings.js";

export interface CardStreamsDeps {
  host: BridgeHost;
  surface: CardSurface;
  state: BridgeState;
  /** Cards open on the platform (shared with the working cards). */
  open: OpenCards;
  texts: CardTexts;
  timings: CardTimings;
  target(chatId: string): ChatTarget;
  /** Tell a chat something (the permission hint), through its queue. */
  hint(chatId: string, text: string): void;
  now(): number;
  log(line: string): void;
}

interface Stream {
  id: string;
  actorId: string;
  title: string;
  text: string;
  activity: string;
  lastEventAt: number;
  ended: boolean;
  /** How the turn ended; the final message's card shows it (flowStatus). */
  endState?: CardView["status"];
  cards: Map<string, LiveCard>;
  timer?: NodeJS.Timeout;
  /** Resolves when the stream's end arrives (the daemon sends it right after the final message). */
  endSeen: Promise<void>;
  markEnded(): void;
}

/** How long a final message waits for its stream's end (which says how the turn ended). */
const END_WAIT_MS = 2_000;

const USER_TOKENS = new Set(["user", "@user", "@all"]);
/** Finished (stream, chat) answers kept so a retried delivery step gets the same answer. */
const MAX_RESULTS = 4096;
const MAX_STREAMS = 1024;

export class CardStreams {
  private readonly streams = new Map<string, Stream>();
  private readonly results = new Map<string, Promise<string>>();
  private readonly hinted = new Set<string>();
  private readonly open: OpenCards;
  private unsubscribe: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** The permission whose absence turned cards off for this run. */
  private disabled: string | undefined;

  constructor(private readonly deps: CardStreamsDeps) {
    this.open = deps.open;
  }

  /** Finalize cards a previous run left open, then follow the streams. */
  async start(): Promise<void> {
    const left = await this.open.load();
    this.unsubscribe = this.deps.host.subscribeStreams?.((e) => this.onEvent(e));
    const every = Math.max(50, Math.min(5_000, Math.floor(this.deps.timings.stallMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref?.();
    await this.recover(left);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const s of this.streams.values()) {
      if (s.timer) clearTimeout(s.timer);
      for (const c of s.cards.values()) c.stop();
    }
    this.streams.clear();
    await this.open.flush();
  }

  /**
   * The final message of `streamId` is due in `chatId`: finish the chat's card(s) with exactly
   * `text` and return what must still be sent as messages (all of it when there is no usable card).
   */
  deliverFinal(streamId: string, chatId: string, text: string): Promise<string> {
    const key = `${streamId}\n${chatId}`;
    let result = this.results.get(key);
    if (!result) {
      result = this.finishWithAnswer(streamId, chatId, text).catch((error: unknown) => {
        this.deps.log(`[cards] final answer for ${chatId}: ${errorMessage(error)}`);
        return text;
      });
      this.results.set(key, result);
      if (this.results.size > MAX_RESULTS) this.results.delete(this.results.keys().next().value ?? "");
    }
    return result;
  }

  private async finishWithAnswer(streamId: string, chatId: string, text: string): Promise<string> {
    const stream = this.streams.get(streamId);
    const card = stream?.cards.get(chatId);
    if (!stream || !card?.open) return text;
    const parts = splitForCards(text, this.deps.surface.maxChars);
    const title = stream.title;
    const n = parts.length;
    if (!stream.ended) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stream.endSeen, new Promise((r) => (timer = setTimeout(r, END_WAIT_MS)))]);
      clearTimeout(timer);
    }
    const status = stream.endState ?? "done";
    const ok = await card.finish({ title, text: parts[0] ?? "", status });
    if (!ok) {
      this.broken(stream, chatId, card);
      return text;
    }
    // A long answer continues in more cards; what cannot be carded goes out as messages.
    for (let i = 1; i < n; i++) {
      try {
        await this.deps.surface.create(this.deps.target(chatId), {
          title: `${title} (${i + 1}/${n})`,
          text: parts[i] ?? "",
          status,
        });
      } catch (error) {
        this.failed(chatId, error);
        return parts.slice(i).join("");
      }
    }
    return "";
  }

  private onEvent(e: ReplyStreamEvent): void {
    let stream = this.streams.get(e.streamId);
    if (!stream) {
      if (e.op === "end") return;
      stream = this.begin(e);
    }
    stream.lastEventAt = this.deps.now();
    stream.text = e.text;
    stream.activity = e.activity;
    if (e.op !== "end") {
      const view = this.working(stream);
      for (const c of stream.cards.values()) c.show(view);
      return;
    }
    stream.ended = true;
    stream.markEnded();
    stream.endState = e.state === "failed" ? "failed" : e.state === "done" ? "done" : "interrupted";
    if (e.eventId) {
      // The turn's message (answer, partial answer or failure notice) comes through the outbound
      // follower and ends the card with exactly its text; close what it has not reached in time.
      stream.timer = setTimeout(() => this.close(stream, "done"), this.deps.timings.finalWaitMs);
      stream.timer.unref?.();
      return;
    }
    if (e.state === "done") this.close(stream, "done");
    else if (e.state === "failed")
      this.close(stream, "failed", this.deps.texts.failed(e.error ?? "unknown error"));
    else this.close(stream, "interrupted", this.deps.texts.interrupted);
  }

  private begin(e: ReplyStreamEvent): Stream {
    const info = this.deps.host.groupInfo();
    const actor = info.actors.find((a) => a.id === e.actorId);
    let markEnded = () => {};
    const endSeen = new Promise<void>((r) => {
      markEnded = r;
    });
    const stream: Stream = {
      endSeen,
      markEnded,
      id: e.streamId,
      actorId: e.actorId,
      title: actor?.title || e.actorId,
      text: e.text,
      activity: e.activity,
      lastEventAt: this.deps.now(),
      ended: false,
      cards: new Map(),
    };
    this.streams.set(e.streamId, stream);
    if (this.streams.size > MAX_STREAMS) this.forget(this.streams.values().next().value);
    if (this.disabled) return stream;
    const audience = e.to.length === 0 || e.to.some((t) => USER_TOKENS.has(t)) ? "user" : "verbose";
    const { state } = this.deps;
    for (const chat of state.listAuthorized()) {
      if (chatReceives(chat, state.subscription(chat.chat_id), audience) !== "deliver") continue;
      const card = new LiveCard(
        {
          surface: this.deps.surface,
          minIntervalMs: this.deps.timings.minIntervalMs,
          now: this.deps.now,
          onError: (error) => this.deps.log(`[cards] update for ${chat.chat_id}: ${errorMessage(error)}`),
          onChange: (c) => this.remember(stream, chat.chat_id, c),
          onBroken: (c) => this.broken(stream, chat.chat_id, c),
        },
        this.deps.target(chat.chat_id),
        this.working(stream),
      );
      stream.cards.set(chat.chat_id, card);
      void card.ready().then((ok) => {
        if (!ok) this.failed(chat.chat_id, card.error);
      });
    }
    return stream;
  }

  private working(stream: Stream): CardView {
    return {
      title: stream.title,
      text: streamingText(stream.text, stream.activity, this.deps.surface.maxChars),
      status: "working",
    };
  }

  /** End every open card of the stream with its streamed text and a state line. */
  private close(stream: Stream, status: CardView["status"], note?: string): void {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
    const max = this.deps.surface.maxChars;
    const text = note ? endedText(stream.text, note, max) : streamingText(stream.text, "", max) || "✓";
    for (const [chatId, card] of stream.cards) {
      if (!card.open) continue;
      void card.finish({ title: stream.title, text, status }).then((ok) => {
        if (!ok) this.broken(stream, chatId, card);
      });
    }
  }

  /** Watchdog: a stream without events for `stallMs` is finalized "interrupted". */
  private sweep(): void {
    const cutoff = this.deps.now() - this.deps.timings.stallMs;
    for (const stream of this.streams.values()) {
      if (!stream.ended && stream.lastEventAt <= cutoff) {
        stream.ended = true;
        this.close(stream, "interrupted", this.deps.texts.stalled);
      }
    }
  }

  private async recover(left: OpenCardRecord[]): Promise<void> {
    if (left.length === 0) return;
    const max = this.deps.surface.maxChars;
    for (const r of left) {
      const working = r.stream_id.startsWith("working:");
      const text = working
        ? this.deps.texts.noAnswerYet(r.title)
        : endedText(r.text, this.deps.texts.restarted, max);
      try {
        await this.deps.surface.finish(r.card_id, { title: r.title, text, status: "interrupted" });
        this.deps.log(`[cards] finalized a card left open in ${r.chat_id} as interrupted`);
      } catch (error) {
        this.deps.log(`[cards] cannot finalize a card left open in ${r.chat_id}: ${errorMessage(error)}`);
      }
    }
    this.open.replaceAll([]);
  }

  private remember(stream: Stream, chatId: string, card: LiveCard): void {
    if (!card.id) return;
    if (!card.open) {
      this.open.delete(card.id);
      return;
    }
    this.open.set({
      card_id: card.id,
      chat_id: chatId,
      stream_id: stream.id,
      title: stream.title,
      text: stream.text,
      at: new Date(this.deps.now()).toISOString(),
    });
  }

  /**
   * A card that cannot go on (update or finish refused): the reply goes out as messages, and the
   * card is ended with a note saying so (best effort), never with the answer (no duplicate).
   */
  private broken(stream: Stream, chatId: string, card: LiveCard): void {
    this.failed(chatId, card.error);
    const id = card.id;
    if (!id || this.deps.surface.gone(card.error)) {
      if (id) this.open.delete(id);
      return;
    }
    const scope = this.deps.surface.missingPermission(card.error);
    const why = scope ? `the app lacks ${scope}` : (errorMessage(card.error).split(". ")[0] ?? "");
    // The note only: the reply itself goes out as messages, so the card must not show it too.
    const text = this.deps.texts.failed(why);
    this.deps.surface
      .finish(id, { title: stream.title, text, status: "failed" })
      .catch(() => this.deps.surface.abandon(id, { title: stream.title, text, status: "failed" }))
      .then(
        () => this.open.delete(id),
        (error: unknown) => this.deps.log(`[cards] cannot end the card in ${chatId}: ${errorMessage(error)}`),
      );
  }

  private forget(stream: Stream | undefined): void {
    if (!stream) return;
    if (stream.timer) clearTimeout(stream.timer);
    for (const c of stream.cards.values()) c.stop();
    this.streams.delete(stream.id);
  }

  /** A card call failed: a missing permission turns cards off for this run and hints once per chat. */
  private failed(chatId: string, error: unknown): void {
    const scope = this.deps.surface.missingPermission(error);
    this.deps.log(
      `[cards] card in ${chatId} failed (the reply goes out as messages): ${errorMessage(error)}`,
    );
    if (!scope) return;
    this.disabled = scope;
    if (this.hinted.has(chatId)) return;
    this.hinted.add(chatId);
    this.deps.hint(chatId, this.deps.texts.permission(scope, this.deps.surface.permissionHelp));
  }
}
