import type { ActorConfig } from "./config.js";
import { isEventOf } from "./event-kinds.js";
import { isMessageFor } from "./recipients.js";
import type { ChatMessageEvent, LedgerEvent } from "./types.js";

/** `Ledger.read`: events with seq > afterSeq, oldest first, at most `limit`. */
export type ReadAfter = (afterSeq: number, limit: number) => Promise<LedgerEvent[]>;

/** Unread seqs closer than this are read in one go (the events between them are skipped). */
const RUN_GAP = 64;
/** Most events one read of a run spans (the ledger's default page). */
const RUN_SPAN = 1000;

/**
 * Unread `chat.message`s per actor, built once from the ledger at start and kept current from
 * each appended event, so no operation rescans the ledger. Only their seqs are kept (a burst of
 * thousands of unread messages held every whole event, ~0.5 KiB each and more with long texts);
 * `list` reads the events back from the ledger, which serves recent ones from memory.
 * An actor's read boundary starts at its latest `actor.added`, so re-adding an id starts clean.
 */
export class InboxIndex {
  /** Ascending seqs per actor. */
  private readonly unread = new Map<string, number[]>();
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly actors: () => readonly ActorConfig[],
    private readonly read: ReadAfter,
  ) {}

  apply(event: LedgerEvent): void {
    if (isEventOf(event, "chat.message")) {
      for (const actor of this.actors()) {
        if (!isMessageFor(actor.id, event, this.actors())) continue;
        if (event.seq <= (this.cursor.get(actor.id) ?? 0)) continue;
        const list = this.unread.get(actor.id);
        if (list) list.push(event.seq);
        else this.unread.set(actor.id, [event.seq]);
      }
    } else if (isEventOf(event, "chat.read")) {
      this.advance(event.data.actor_id, event.data.seq);
    } else if (isEventOf(event, "actor.added")) {
      // Data read from disk is checked, not trusted: an old or hand-edited line may lack fields.
      const actorId = event.data.actor?.id;
      if (typeof actorId === "string") {
        this.unread.delete(actorId);
        this.cursor.set(actorId, event.seq);
      }
    } else if (isEventOf(event, "actor.removed")) {
      if (typeof event.data.actor_id === "string") this.unread.delete(event.data.actor_id);
    }
  }

  private advance(actorId: string, seq: number): void {
    if (seq > (this.cursor.get(actorId) ?? 0)) this.cursor.set(actorId, seq);
    const list = this.unread.get(actorId);
    if (!list) return;
    const keep = firstAbove(list, seq);
    if (keep === list.length) this.unread.delete(actorId);
    else if (keep > 0) list.splice(0, keep);
  }

  /** The actor's unread messages, oldest first, as they are unread now. */
  list(actorId: string): Promise<ChatMessageEvent[]> {
    return this.readSeqs([...(this.unread.get(actorId) ?? [])]);
  }

  /** The newest unread message, if any. */
  async last(actorId: string): Promise<ChatMessageEvent | undefined> {
    const seq = this.unread.get(actorId)?.at(-1);
    return seq === undefined ? undefined : (await this.readSeqs([seq]))[0];
  }

  count(actorId: string): number {
    return this.unread.get(actorId)?.length ?? 0;
  }

  /** The events at `seqs` (ascending), read in runs of nearby seqs. */
  private async readSeqs(seqs: readonly number[]): Promise<ChatMessageEvent[]> {
    const out: ChatMessageEvent[] = [];
    let i = 0;
    while (i < seqs.length) {
      const first = seqs[i] ?? 0;
      let j = i + 1;
      for (; j < seqs.length; j++) {
        const s = seqs[j] ?? 0;
        if (s - (seqs[j - 1] ?? 0) > RUN_GAP || s - first >= RUN_SPAN) break;
      }
      const last = seqs[j - 1] ?? first;
      let k = i;
      for (const e of await this.read(first - 1, last - first + 1)) {
        while (k < j && (seqs[k] ?? 0) < e.seq) k++; // a seq whose line is gone (corrupt) is skipped
        if (k < j && seqs[k] === e.seq) out.push(e as ChatMessageEvent);
      }
      i = j;
    }
    return out;
  }
}

/** Index of the first element > `seq` in an ascending list. */
function firstAbove(list: readonly number[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] ?? 0) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
