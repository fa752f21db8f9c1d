import type { ImStatus } from "./im.js";

/**
 * What a running bridge holds back, in words, for `cccc im status` and the Web UI (which imports
 * this file alone: no schema code in its bundle). A flood or the platform's rate limits delay
 * messages, they do not drop them. Empty when nothing waits.
 */
export function imWaiting(s: ImStatus): string[] {
  const count = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (s.inbound_waiting)
    parts.push(`${count(s.inbound_waiting, "message")} received, on the way to the agents`);
  if (s.outbound_waiting) {
    const chats = count(s.outbound_waiting_chats ?? 1, "chat");
    parts.push(`${count(s.outbound_waiting, "message")} to send in ${chats}, paced by the platform's limits`);
  }
  return parts;
}
