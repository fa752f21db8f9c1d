import type { EventOf, LedgerEvent, LedgerKind } from "../../api/types.ts";

/** "user", "peer1" … as shown in the timeline. */
export function senderName(by: string): string {
  return by === "user" ? "You" : by;
}

/** Recipients as written in the event; an empty list means the default. */
export function recipientsText(event: EventOf<"chat.message">): string {
  const to = event.data.to ?? [];
  if (to.length > 0) return to.join(", ");
  return event.by === "user" ? "@foreman" : "everyone";
}

export function timeText(ts: string): string {
  const date = new Date(ts);
  if (Number.isNaN(date.getTime())) return "";
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Narrow an event to its kind's payload type (the kernel's map, src/kernel/event-kinds.ts). */
export function isEventOf<K extends LedgerKind>(event: LedgerEvent, kind: K): event is EventOf<K> {
  return event.kind === kind;
}
