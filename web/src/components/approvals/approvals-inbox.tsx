import { useState } from "react";
import { api } from "../../api/client.ts";
import type { Approval } from "../../api/types.ts";

const time = (iso: string) => new Date(iso).toLocaleTimeString();

/** The approval inbox (docs/approvals.md): pending requests to decide, then the history. */
export function ApprovalsInbox(props: {
  gid: string;
  pending: Approval[];
  history: Approval[];
  onChanged: () => void;
  onError: (error: unknown) => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [reasons, setReasons] = useState<Record<string, string>>({});

  const decide = async (a: Approval, decision: "approve" | "deny" | "always") => {
    setBusy(a.approval_id);
    try {
      await api.decide(
        props.gid,
        a.approval_id,
        decision,
        decision === "deny" ? reasons[a.approval_id] : undefined,
      );
      props.onChanged();
    } catch (error) {
      props.onError(error);
      props.onChanged();
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="approvals" aria-label="Approvals">
      <h2>Waiting for approval ({props.pending.length})</h2>
      {props.pending.length === 0 ? <p className="muted">Nothing is waiting.</p> : null}
      <ul className="approval-list">
        {props.pending.map((a) => (
          <li key={a.approval_id} className="approval pending" data-approval={a.approval_id}>
            <div className="approval-head">
              <strong>{a.actor_id}</strong> wants to use <strong>{a.tool}</strong>{" "}
              <code>{a.approval_id}</code>
              <span className="muted"> · denied at {time(a.expires_at)} if nobody decides</span>
            </div>
            <pre className="approval-summary">{a.summary}</pre>
            <div className="approval-actions">
              <button
                type="button"
                className="button primary"
                disabled={busy !== null}
                onClick={() => void decide(a, "approve")}
              >
                Approve
              </button>
              <button
                type="button"
                className="button"
                disabled={busy !== null}
                onClick={() => void decide(a, "always")}
              >
                Always for this session
              </button>
              <input
                aria-label={`Reason to deny ${a.approval_id}`}
                placeholder="Reason (optional)"
                value={reasons[a.approval_id] ?? ""}
                onChange={(e) => setReasons((r) => ({ ...r, [a.approval_id]: e.target.value }))}
              />
              <button
                type="button"
                className="button danger"
                disabled={busy !== null}
                onClick={() => void decide(a, "deny")}
              >
                Deny
              </button>
            </div>
          </li>
        ))}
      </ul>
      <h2>History</h2>
      {props.history.length === 0 ? <p className="muted">No decisions yet.</p> : null}
      <ul className="approval-list">
        {props.history.map((a) => (
          <li key={a.approval_id} className={`approval ${a.status}`} data-approval={a.approval_id}>
            <div className="approval-head">
              <span className={`badge ${a.status === "approved" ? "ok" : "warn"}`}>{a.status}</span>{" "}
              <strong>{a.actor_id}</strong> · {a.tool} <code>{a.approval_id}</code>
              <span className="muted">
                {" "}
                · {a.decision?.decision === "always" ? "always, " : ""}by {a.decision?.decided_by} (
                {a.decision?.via}) at {a.decision ? time(a.decision.decided_at) : ""}
              </span>
            </div>
            <pre className="approval-summary">{a.summary}</pre>
            {a.decision?.reason ? <p className="muted">{a.decision.reason}</p> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
