import { memo } from "react";
import { urls } from "../../api/client.ts";
import type { Attachment, EventOf } from "../../api/types.ts";
import { platformLabel, usePlatforms } from "../../hooks/use-platforms.ts";
import { recipientsText, senderName, sizeText, timeText } from "./format.ts";
import { Markdown } from "./markdown.tsx";

/** Memoized: the timeline re-renders on every actor poll, messages never change. */
export const MessageItem = memo(function MessageItem({
  gid,
  event,
}: {
  gid: string;
  event: EventOf<"chat.message">;
}) {
  const { data } = event;
  const platforms = usePlatforms();
  const mine = event.by === "user" && !data.source;
  return (
    <li className={`message ${mine ? "mine" : ""}`} data-seq={event.seq}>
      <div className="message-meta">
        <span className="sender">{senderName(event.by)}</span>
        <span className="arrow" aria-hidden="true">
          →
        </span>
        <span className="sr-only">to</span>
        <span className="recipients">{recipientsText(event)}</span>
        {data.source ? (
          <span className="source">
            via {platformLabel(platforms, data.source.platform)} ·{" "}
            {data.source.user_name || data.source.user_id}
          </span>
        ) : null}
        <time dateTime={event.ts}>{timeText(event.ts)}</time>
      </div>
      {data.text ? <Markdown className="message-text" text={data.text} /> : null}
      {data.attachments?.length ? (
        <ul className="attachments">
          {data.attachments.map((attachment) => (
            <AttachmentLink key={attachment.sha256 + attachment.path} gid={gid} attachment={attachment} />
          ))}
        </ul>
      ) : null}
    </li>
  );
});

function AttachmentLink({ gid, attachment }: { gid: string; attachment: Attachment }) {
  const href = urls.blob(gid, attachment);
  return (
    <li>
      <a href={href} target="_blank" rel="noreferrer" download={attachment.name}>
        {attachment.mime?.startsWith("image/") ? (
          <img src={href} alt={attachment.name} className="thumb" loading="lazy" />
        ) : null}
        <span>📎 {attachment.name}</span> <small className="muted">{sizeText(attachment.bytes)}</small>
      </a>
    </li>
  );
}
