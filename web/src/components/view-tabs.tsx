import type { ActorInfo } from "../api/types.ts";

/** The view of the approval inbox (no actor id contains "#"). */
export const APPROVALS_VIEW = "#approvals";

/**
 * Chat, the approval inbox (with the count waiting), and one tab per actor showing its terminal
 * (kernel spec §9.1). `view` null is the chat.
 */
export function ViewTabs(props: {
  actors: ActorInfo[];
  view: string | null;
  onSelect: (view: string | null) => void;
  approvals: number;
}) {
  const tab = (key: string, view: string | null, text: string, status?: string) => (
    <button
      key={key}
      type="button"
      role="tab"
      aria-selected={props.view === view}
      className={`tab ${props.view === view ? "active" : ""}`}
      onClick={() => props.onSelect(view)}
    >
      {status ? <span className={`dot ${status}`} aria-hidden="true" /> : null}
      {text}
    </button>
  );
  return (
    <div className="tabs view-tabs" role="tablist" aria-label="Views">
      {tab("chat", null, "Chat")}
      <button
        type="button"
        role="tab"
        aria-selected={props.view === APPROVALS_VIEW}
        className={`tab ${props.view === APPROVALS_VIEW ? "active" : ""}`}
        onClick={() => props.onSelect(APPROVALS_VIEW)}
      >
        Approvals
        {props.approvals > 0 ? (
          <span className="badge unread" title={`${props.approvals} waiting`}>
            {props.approvals}
          </span>
        ) : null}
      </button>
      {props.actors.map((actor) => tab(`actor:${actor.id}`, actor.id, actor.id, actor.status))}
    </div>
  );
}
