import { useLayoutEffect, useRef } from "react";
import type { ChatStreamData, EventOf, LedgerEvent } from "../../api/types.ts";
import type { StreamState } from "../../hooks/use-ledger.ts";
import { isEventOf, timeText } from "./format.ts";
import { MessageItem } from "./message-item.tsx";
import { StreamItem } from "./stream-item.tsx";

/** Chat messages and notices, oldest first; sticks to the bottom unless the user scrolled up. */
export function Timeline(props: {
  gid: string;
  title: string;
  events: LedgerEvent[];
  state: StreamState;
  streams?: ChatStreamData[];
}) {
  const { gid, events, state } = props;
  const ref = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  const shown = events.filter((e) => e.kind === "chat.message" || e.kind === "system.notify");
  // A streamed reply shows live until its final message (same stream_id) is in the ledger.
  const posted = new Set(
    shown.map((e) => (isEventOf(e, "chat.message") ? e.data.stream_id : undefined)).filter(Boolean),
  );
  const streaming = (props.streams ?? []).filter((s) => !posted.has(s.stream_id));

  useLayoutEffect(() => {
    const list = ref.current;
    if (list && pinned.current) list.scrollTop = list.scrollHeight;
  });

  return (
    <div className="timeline-wrap">
      <div className="chat-head">
        <h2>{props.title}</h2>
        <span className={`stream-state ${state}`} aria-live="polite">
          {state === "live" ? "Live" : state === "loading" ? "Loading…" : "Reconnecting…"}
        </span>
      </div>
      <ol
        ref={ref}
        className="timeline"
        aria-label="Messages"
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {shown.length === 0 && state !== "loading" ? (
          <li className="empty">No messages yet. Say hello to your foreman below.</li>
        ) : null}
        {shown.map((event) =>
          isEventOf(event, "chat.message") ? (
            <MessageItem key={event.id} gid={gid} event={event} />
          ) : isEventOf(event, "system.notify") ? (
            <Notice key={event.id} event={event} />
          ) : null,
        )}
        {streaming.map((stream) => (
          <StreamItem key={stream.stream_id} gid={gid} stream={stream} />
        ))}
      </ol>
    </div>
  );
}

function Notice({ event }: { event: EventOf<"system.notify"> }) {
  return (
    <li className={`notice ${event.data.priority ?? ""}`} data-seq={event.seq}>
      <span className="notice-title">{event.data.title || event.data.kind}</span>
      {event.data.message ? <span className="notice-text">{event.data.message}</span> : null}
      <time dateTime={event.ts}>{timeText(event.ts)}</time>
    </li>
  );
}
