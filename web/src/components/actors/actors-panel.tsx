import { useState } from "react";
import { api } from "../../api/client.ts";
import type { ActorInfo, GroupSummary } from "../../api/types.ts";
import { useErrors } from "../../hooks/errors.tsx";
import { ActorEnvDialog } from "./actor-env-dialog.tsx";
import { AddActorForm } from "./add-actor-form.tsx";

type Action = "start" | "stop" | "restart";

export function ActorsPanel(props: {
  group: GroupSummary;
  actors: ActorInfo[];
  onChanged: () => void;
  /** Show this actor's terminal. */
  onTerminal: (actorId: string) => void;
}) {
  const { report } = useErrors();
  const [busy, setBusy] = useState<string | null>(null);
  const [envOf, setEnvOf] = useState<string | null>(null);
  const gid = props.group.group_id;

  const run = async (key: string, label: string, op: () => Promise<unknown>) => {
    setBusy(key);
    try {
      await op();
    } catch (error) {
      report(error, label);
    } finally {
      setBusy(null);
      props.onChanged();
    }
  };

  const act = (actor: ActorInfo, action: Action) =>
    run(`${actor.id}:${action}`, `${action} ${actor.id}`, () => api.actorAction(gid, actor.id, action));

  return (
    <aside className="actors" aria-label="Actors">
      <div className="panel-head">
        <h2>Actors</h2>
        <div className="group-controls">
          <span className={`badge ${props.group.running ? "ok" : ""}`}>{props.group.state}</span>
          <button
            type="button"
            className="button small"
            disabled={busy !== null}
            onClick={() =>
              run("group", "Group", () => api.groupAction(gid, props.group.running ? "stop" : "start"))
            }
          >
            {props.group.running ? "Stop group" : "Start group"}
          </button>
        </div>
      </div>
      {props.actors.length === 0 ? (
        <p className="muted empty">No actors yet. The first one you add becomes the foreman.</p>
      ) : (
        <ul className="actor-list">
          {props.actors.map((actor) => (
            <li key={actor.id} className="actor" data-actor={actor.id}>
              <div className="actor-line">
                <span className={`dot ${actor.status}`} aria-hidden="true" />
                <strong className="actor-id">{actor.id}</strong>
                <span className="badge">{actor.role}</span>
                {actor.unread > 0 ? (
                  <span className="badge unread" title="Unread messages">
                    {actor.unread} unread
                  </span>
                ) : null}
              </div>
              <div className="actor-sub muted">
                {actor.runtime} · {actor.runner} ·{" "}
                <span className={`status ${actor.status}`}>
                  {actor.status}
                  {(actor.status === "crashed" || actor.status === "exited") && actor.exit_code != null
                    ? ` (exit ${actor.exit_code})`
                    : ""}
                </span>
                {actor.enabled ? "" : " · disabled"}
                {actor.permissions === "ask" ? " · asks approval" : ""}
              </div>
              {actor.attention ? (
                <div className="actor-attention" role="alert">
                  <strong>Needs attention:</strong> {actor.attention.message}
                  {actor.attention.screen.length > 0 ? (
                    <pre className="actor-screen">{actor.attention.screen.join("\n")}</pre>
                  ) : null}
                </div>
              ) : null}
              <div className="actor-actions">
                <button
                  type="button"
                  className="button small"
                  aria-label={`Terminal of ${actor.id}`}
                  onClick={() => props.onTerminal(actor.id)}
                >
                  Terminal
                </button>
                <button
                  type="button"
                  className="button small"
                  aria-label={`Environment of ${actor.id}`}
                  onClick={() => setEnvOf(actor.id)}
                >
                  Env
                </button>
                {actor.status === "running" ? (
                  <button
                    type="button"
                    className="button small"
                    disabled={busy !== null}
                    onClick={() => act(actor, "stop")}
                  >
                    Stop
                  </button>
                ) : (
                  <button
                    type="button"
                    className="button small"
                    disabled={busy !== null}
                    onClick={() => act(actor, "start")}
                  >
                    Start
                  </button>
                )}
                <button
                  type="button"
                  className="button small"
                  disabled={busy !== null}
                  onClick={() => act(actor, "restart")}
                >
                  Restart
                </button>
                <button
                  type="button"
                  className="button small danger"
                  disabled={busy !== null}
                  onClick={() => {
                    if (window.confirm(`Remove actor ${actor.id}?`))
                      void run(`${actor.id}:remove`, `Remove ${actor.id}`, () =>
                        api.removeActor(gid, actor.id),
                      );
                  }}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <AddActorForm gid={gid} onAdded={props.onChanged} />
      {envOf ? <ActorEnvDialog gid={gid} actorId={envOf} onClose={() => setEnvOf(null)} /> : null}
    </aside>
  );
}
