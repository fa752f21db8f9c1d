/**
 * The team board: `/status` answered with a card that updates itself in place (docs/im-bridge.md
 * "Team board"). Every `refreshMs` the board is rendered again from the same source as the text
 * `/status` (replies.status + the group's actors); the card is updated only when the text changed,
 * one update in flight at a time, until `liveMs` after it was asked. Then one last update says the
 * board stopped updating. One live board per chat: a new `/status` replaces the previous one.
 * Every timer is stopped by `stop()`.
 */
import { type ImBoard, ImBoardSchema } from "../kernel/config.js";
import { cutToUnits } from "../kernel/graphemes.js";
import { errorMessage } from "./bridge-errors.js";
import type { Replies } from "./replies/index.js";
import type { ActionButton, BoardCard, BoardView } from "./types.js";

export interface BoardTiming {
  refreshMs: number;
  liveMs: number;
}

export const DEFAULT_BOARD_TIMING: BoardTiming = { refreshMs: 3_000, liveMs: 10 * 60_000 };

/** The timings of `im.board` (its schema is the kernel's `ImBoardSchema`: group.yaml is checked there). */
export function boardTiming(config: Partial<ImBoard> | undefined): BoardTiming {
  const c = ImBoardSchema.parse(config ?? {});
  return { refreshMs: c.refresh_seconds * 1000, liveMs: c.live_minutes * 60_000 };
}

/** What a board shows, rendered fresh each time. */
export interface BoardSource {
  title(): string;
  /** The board without its footer (compared to decide whether to update). */
  body(): string;
  /** Footer while live (`until` is when it stops) or after it stopped (`live` false). */
  footer(live: boolean, at: Date): string;
}

interface Live {
  card: BoardCard;
  source: BoardSource;
  until: number;
  lastBody: string;
  busy: boolean;
  failures: number;
  timer: NodeJS.Timeout;
}

/** Consecutive failed updates after which a board stops trying. */
const MAX_FAILURES = 3;

export class LiveBoards {
  private readonly live = new Map<string, Live>();

  constructor(
    private readonly timing: BoardTiming,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** Live boards now (for tests and status). */
  get size(): number {
    return this.live.size;
  }

  /**
   * Open a board card in `chatId` with `open`. False when the card could not be created (the
   * caller sends the text `/status` instead); the reason is logged.
   */
  async open(
    chatId: string,
    open: (view: BoardView) => Promise<BoardCard>,
    source: BoardSource,
  ): Promise<boolean> {
    const until = this.now() + this.timing.liveMs;
    const body = source.body();
    const liveNow = this.timing.liveMs > 0;
    let card: BoardCard;
    try {
      card = await open(view(source, body, source.footer(liveNow, new Date(liveNow ? until : this.now()))));
    } catch (error) {
      this.log(`[board] card for ${chatId} failed, sending the text status: ${errorMessage(error)}`);
      return false;
    }
    this.end(chatId, true); // a new /status replaces the chat's previous board
    if (!liveNow) return true;
    const timer = setInterval(() => void this.tick(chatId), this.timing.refreshMs);
    timer.unref?.();
    this.live.set(chatId, { card, source, until, lastBody: body, busy: false, failures: 0, timer });
    return true;
  }

  private async tick(chatId: string): Promise<void> {
    const b = this.live.get(chatId);
    if (!b || b.busy) return;
    if (this.now() >= b.until) return this.end(chatId, true);
    const body = b.source.body();
    if (body === b.lastBody) return;
    b.busy = true;
    try {
      await b.card.update(view(b.source, body, b.source.footer(true, new Date(b.until))));
      b.lastBody = body;
      b.failures = 0;
    } catch (error) {
      b.failures++;
      this.log(`[board] update for ${chatId} failed (${b.failures}/${MAX_FAILURES}): ${errorMessage(error)}`);
      if (b.failures >= MAX_FAILURES) this.end(chatId, false);
    } finally {
      b.busy = false;
    }
  }

  /** Stop a chat's board; `final` posts the "stopped updating" footer once. */
  private end(chatId: string, final: boolean): void {
    const b = this.live.get(chatId);
    if (!b) return;
    clearInterval(b.timer);
    this.live.delete(chatId);
    if (!final) return;
    const body = b.source.body();
    b.card
      .update(view(b.source, body, b.source.footer(false, new Date(this.now()))))
      .catch((error: unknown) =>
        this.log(`[board] final update for ${chatId} failed: ${errorMessage(error)}`),
      );
  }

  /** Stop every board's timer (bridge stop). */
  stop(): void {
    for (const b of this.live.values()) clearInterval(b.timer);
    this.live.clear();
  }
}

/** A board's status part stays under what one card renders reliably (issue 11: ~2,500 CJK). */
export const BOARD_STATUS_MAX_UNITS = 2_400;

/** Local "HH:MM" (the daemon's clock, as the chat's users see times elsewhere). */
function hhmm(at: Date): string {
  return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}

/**
 * The /status board from the text /status (`render`: replies.status + its buttons, commands.ts):
 * the same text, then the buttons as `[title](url)` links, then a footer saying until when it lives.
 */
export function statusBoardSource(
  replies: Replies,
  groupTitle: () => string,
  render: () => { text: string; buttons: ActionButton[] },
): BoardSource {
  return {
    title: () => replies.board.title(groupTitle()),
    body: () => {
      const { text, buttons } = render();
      const cut = cutToUnits(text, BOARD_STATUS_MAX_UNITS);
      const status = cut === text ? text : `${cut}\n…`;
      const links = buttons.map((b) => `[${b.title.replace(/[[\]]/g, "")}](${b.url})`).join(" · ");
      return links ? `${status}\n\n${links}` : status;
    },
    footer: (live, at) => (live ? replies.board.live(hhmm(at)) : replies.board.ended(hhmm(at))),
  };
}

function view(source: BoardSource, body: string, footer: string): BoardView {
  return { title: source.title(), markdown: `${body}\n\n${footer}` };
}
