import { useCallback, useEffect, useState } from "react";
import { api } from "../../api/client.ts";
import type { ActorEnvView } from "../../api/types.ts";
import { useErrors } from "../../hooks/errors.tsx";
import { Dialog } from "../dialog.tsx";
import { type EnvRow, EnvRows, emptyRow } from "./env-rows.tsx";

/**
 * An actor's own environment: plain values are shown and editable, secrets only by name (their
 * values are write-only). Changes apply when the actor next starts.
 */
export function ActorEnvDialog(props: { gid: string; actorId: string; onClose: () => void }) {
  const { report } = useErrors();
  const [view, setView] = useState<ActorEnvView | null>(null);
  const [rows, setRows] = useState<EnvRow[]>([emptyRow()]);
  const [busy, setBusy] = useState(false);
  const { gid, actorId } = props;

  const load = useCallback(async () => {
    try {
      setView(await api.actorEnv(gid, actorId));
    } catch (error) {
      report(error, "Environment");
    }
  }, [gid, actorId, report]);
  useEffect(() => {
    void load();
  }, [load]);

  const run = async (label: string, op: () => Promise<ActorEnvView>) => {
    setBusy(true);
    try {
      setView(await op());
      return true;
    } catch (error) {
      report(error, label);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    for (const row of rows.filter((r) => r.key.trim())) {
      const key = row.key.trim();
      const ok = await run(`Set ${key}`, () => api.setActorEnv(gid, actorId, key, row.value, row.secret));
      if (!ok) return;
    }
    setRows([emptyRow()]);
  };

  return (
    <Dialog open title={`Environment of ${actorId}`} onClose={props.onClose} className="env-dialog">
      <div className="dialog-body">
        <section aria-label="Current variables">
          {view === null ? (
            <p className="muted">Loading…</p>
          ) : view.env.length === 0 ? (
            <p className="muted">No variables of its own yet.</p>
          ) : (
            <ul className="env-list">
              {view.env.map((entry) => (
                <li key={entry.key} className="env-entry">
                  <code>{entry.key}</code>
                  {entry.secret ? (
                    <span className="badge" title="Stored 0600; the value is never shown">
                      secret ••••
                    </span>
                  ) : (
                    <code className="env-value">{entry.value}</code>
                  )}
                  <button
                    type="button"
                    className="button small danger"
                    disabled={busy}
                    aria-label={`Remove ${entry.key}`}
                    onClick={() =>
                      void run(`Remove ${entry.key}`, () => api.unsetActorEnv(gid, actorId, entry.key))
                    }
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        <form
          className="form env-form"
          aria-label="Set variables"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <EnvRows rows={rows} onChange={setRows} label="New or changed variables" />
          <p className="muted small">
            Setting an existing name replaces it. Secret values are write-only: stored 0600 on this machine,
            never shown again.
          </p>
          <button type="submit" className="button primary" disabled={busy || !rows.some((r) => r.key.trim())}>
            Save variables
          </button>
        </form>
        <p className="muted small" role="status">
          {view?.restart_needed
            ? `${actorId} is running with its previous environment: restart it to apply changes.`
            : `Changes apply when ${actorId} next starts.`}
        </p>
      </div>
    </Dialog>
  );
}
