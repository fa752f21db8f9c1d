import type { ActorConfig } from "./config.js";
import { isEventOf } from "./event-kinds.js";
import { isMessageFor } from "./recipients.js";
import type { ChatMessageEvent, LedgerEvent } from "./types.js";

/**
 * Unread `chat.message`s per actor, built once from the ledger at start and kept current from
 * each appended event, so no operation rescans the ledger.
 * An actor's read boundary starts at its latest `actor.added`, so re-adding an id starts clean.
 */
export class InboxIndex {
  private readonly unread = new Map<string, ChatMessageEvent[]>();
  private readonly cursor = new Map<string, number>();

  constructor(private readonly actors: () => readonly ActorConfig[]) {}

  apply(event: LedgerEvent): void {
    if (isEventOf(event, "chat.message")) {
      for (const actor of this.actors()) {
        if (!isMessageFor(actor.id, event, this.actors())) continue;
        if (event.seq <= (this.cursor.get(actor.id) ?? 0)) continue;
        const list = this.unread.get(actor.id) ?? [];
        list.push(event);
        this.unread.set(actor.id, list);
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
    if (list)
      this.unread.set(
        actorId,
        list.filter((e) => e.seq > seq),
      );
  }

  list(actorId: string): ChatMessageEvent[] {
    return [...(this.unread.get(actorId) ?? [])];
  }

  count(actorId: string): number {
    return this.unread.get(actorId)?.length ?? 0;
  }
}
