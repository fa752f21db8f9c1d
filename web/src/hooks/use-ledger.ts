import { useEffect, useRef, useState } from "react";
import { api, urls } from "../api/client.ts";
import type { ChatStreamData, LedgerEvent } from "../api/types.ts";

export type StreamState = "loading" | "live" | "reconnecting";

const TAIL = 200;
const KEEP = 2000;

/**
 * The group's ledger: the last 200 events, then live from the SSE stream. EventSource reconnects
 * by itself (the daemon honours Last-Event-ID); if the stream is closed for good we reopen it from
 * the last seq we hold after a pause. `onEvent` sees every live event (used to refresh actors).
 * `streams` are the live replies of structured actors (`event: stream`, snapshots by stream_id); an
 * ended one stays until its final chat.message is in `events` (or a moment, when there is none).
 */
export function useLedger(
  gid: string | null,
  onError: (error: unknown) => void,
  onEvent: (event: LedgerEvent) => void,
  onRecover: () => void,
): { events: LedgerEvent[]; state: StreamState; streams: ChatStreamData[] } {
  const [events, setEvents] = useState<LedgerEvent[]>([]);
  const [streams, setStreams] = useState<ChatStreamData[]>([]);
  const [state, setState] = useState<StreamState>("loading");
  const handlers = useRef({ onError, onEvent, onRecover });
  handlers.current = { onError, onEvent, onRecover };

  useEffect(() => {
    setEvents([]);
    setStreams([]);
    setState("loading");
    if (!gid) return;
    let closed = false;
    let lastSeq = 0;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const append = (incoming: LedgerEvent[]) => {
      const fresh = incoming.filter((e) => e.seq > lastSeq);
      if (fresh.length === 0) return;
      lastSeq = fresh[fresh.length - 1]?.seq ?? lastSeq;
      setEvents((list) => [...list, ...fresh].slice(-KEEP));
    };

    const open = () => {
      if (closed) return;
      source = new EventSource(urls.stream(gid, lastSeq));
      source.onopen = () => {
        setState("live");
        handlers.current.onRecover();
      };
      source.addEventListener("ledger", (message) => {
        try {
          const event = JSON.parse((message as MessageEvent<string>).data) as LedgerEvent;
          append([event]);
          handlers.current.onEvent(event);
        } catch (error) {
          handlers.current.onError(error);
        }
      });
      source.addEventListener("stream", (message) => {
        try {
          const item = JSON.parse((message as MessageEvent<string>).data) as { data: ChatStreamData };
          const data = item.data;
          setStreams((list) => [...list.filter((s) => s.stream_id !== data.stream_id), data]);
          if (data.op === "end" && !data.event_id) {
            setTimeout(() => setStreams((list) => list.filter((s) => s.stream_id !== data.stream_id)), 4000);
          }
        } catch (error) {
          handlers.current.onError(error);
        }
      });
      source.onerror = () => {
        setState("reconnecting");
        if (source?.readyState === EventSource.CLOSED) {
          source = null;
          retry = setTimeout(open, 3000);
        }
      };
    };

    const load = () =>
      api.ledgerTail(gid, TAIL).then(
        ({ events: tail, last_seq }) => {
          if (closed) return;
          append(tail);
          lastSeq = Math.max(lastSeq, last_seq);
          open();
        },
        (error) => {
          if (closed) return;
          handlers.current.onError(error);
          setState("reconnecting");
          retry = setTimeout(load, 3000);
        },
      );
    void load();

    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [gid]);

  return { events, state, streams };
}
