import { useState } from "react";
import { api } from "../../api/client.ts";
import type { ChatStreamData } from "../../api/types.ts";
import { senderName } from "./format.ts";
import { Markdown } from "./markdown.tsx";

const ENDED: Record<string, string> = { done: "Done", interrupted: "Stopped", failed: "Failed" };

/** A reply as it is written: the actor's activity line, the text so far, and a Stop button. */
export function StreamItem({ gid, stream }: { gid: string; stream: ChatStreamData }) {
  const [stopping, setStopping] = useState(false);
  const live = stream.op !== "end";
  return (
    <li className="message streaming" data-stream={stream.stream_id} aria-busy={live}>
      <div className="message-meta">
        <span className="sender">{senderName(stream.actor_id)}</span>
        <span className="arrow" aria-hidden="true">
          →
        </span>
        <span className="recipients">{stream.to.join(", ")}</span>
        <span className="stream-status">{live ? "writing…" : ENDED[stream.state ?? "done"]}</span>
        {live ? (
          <button
            type="button"
            className="stop-button"
            disabled={stopping}
            onClick={() => {
              setStopping(true);
              api.interrupt(gid, stream.actor_id).catch(() => setStopping(false));
            }}
          >
            {stopping ? "Stopping…" : "Stop"}
          </button>
        ) : null}
      </div>
      {stream.activity && live ? <div className="stream-activity">{stream.activity}</div> : null}
      {stream.text ? <Markdown className="message-text" text={stream.text} /> : null}
      {stream.error ? <div className="stream-error">{stream.error}</div> : null}
    </li>
  );
}
