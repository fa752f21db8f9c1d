import type { ActorInfo } from "../api/types.ts";

/** Chat plus one tab per actor showing its terminal. `view` null is the chat. */
export function ViewTabs(props: {
  actors: ActorInfo[];
  view: string | null;
  onSelect: (view: string | null) => void;
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
      {props.actors.map((actor) => tab(`actor:${actor.id}`, actor.id, actor.id, actor.status))}
    </div>
  );
}
