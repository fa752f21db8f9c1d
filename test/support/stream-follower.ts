/** A follower of a group's SSE stream (ledger and live chat.stream items), for tests. */

import { type SseItem, sseItems } from "../../src/client/sse.js";
import type { ChatStreamItem } from "../../src/daemon/stream-hub.js";
import { waitFor } from "./cli.js";

export interface Follower {
  items: SseItem[];
  /** chat.stream items of one stream (or all). */
  streams(streamId?: string): ChatStreamItem[];
  waitStream(pred: (i: ChatStreamItem) => boolean, what: string, timeoutMs?: number): Promise<ChatStreamItem>;
  close(): void;
}

export async function follow(baseUrl: string, groupId: string, after = 0): Promise<Follower> {
  const abort = new AbortController();
  const res = await fetch(new URL(`api/v1/groups/${groupId}/stream?after=${after}`, baseUrl), {
    signal: abort.signal,
  });
  const items: SseItem[] = [];
  void (async () => {
    try {
      for await (const item of sseItems(res)) items.push(item);
    } catch {
      // Aborted by close().
    }
  })();
  const streams = (streamId?: string) =>
    items
      .filter((i) => i.event === "stream")
      .map((i) => i.data as ChatStreamItem)
      .filter((i) => !streamId || i.data.stream_id === streamId);
  return {
    items,
    streams,
    waitStream: (pred, what, timeoutMs = 20_000) => waitFor(() => streams().find(pred), timeoutMs, what),
    close: () => abort.abort(),
  };
}
