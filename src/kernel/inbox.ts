import type { ActorConfig } from "./config.js";
import { isMessageFor } from "./recipients.js";
import type { ChatMessageData, ChatMessageEvent, ChatReadData, LedgerEvent } from "./types.js";

/**
 * Unread `chat.message`s per actor, built once from the ledger at start and kept current from
 * each appended event, so no operation rescans the ledger (DESIGN §3).
 * An actor's read boundary starts at its latest `actor.add`, so re-adding an id starts clean.
 */
export class InboxIndex {
  private readonly unread = new Map<string, ChatMessageEvent[]>();
  private readonly cursor = new Map<string, number>();

  constructor(private readonly actors: () => readonly ActorConfig[]) {}

  apply(event: LedgerEvent): void {
    switch (event.kind) {
      case "chat.message": {
        const message = event as LedgerEvent<ChatMessageData>;
        for (const actor of this.actors()) {
          if (!isMessageFor(actor.id, message, this.actors())) continue;
          if (event.seq <= (this.cursor.get(actor.id) ?? 0)) continue;
          const list = this.unread.get(actor.id) ?? [];
          list.push(message);
          this.unread.set(actor.id, list);
        }
        break;
      }
      case "chat.read": {
        const { actor_id, seq } = event.data as unknown as ChatReadData;
        this.advance(actor_id, seq);
        break;
      }
      case "actor.add": {
        const actorId = (event.data as { actor?: { id?: string } }).actor?.id;
        if (actorId) {
          this.unread.delete(actorId);
          this.cursor.set(actorId, event.seq);
        }
        break;
      }
      case "actor.remove": {
        const actorId = (event.data as { actor_id?: string }).actor_id;
        if (actorId) this.unread.delete(actorId);
        break;
      }
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
