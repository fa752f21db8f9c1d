import { imWaiting } from "../../../../src/contract/im-waiting.ts";
import type { ImConfig, ImStatus } from "../../api/types.ts";
import { platformLabel, usePlatforms } from "../../hooks/use-platforms.ts";
import { timeText } from "../chat/format.ts";
import { hintFor } from "./im-hints.ts";

const LABELS: Record<ImStatus["state"], string> = {
  running: "Running",
  starting: "Starting…",
  stopped: "Stopped",
  error: "Error",
};

/** The bridge state next to the Save Config button, so the result of a save is visible there. */
export function ImStateBadge({ status }: { status: ImStatus }) {
  return (
    <span className="im-state-badge" data-state={status.state}>
      <span className={`dot ${status.state}`} aria-hidden="true" /> {LABELS[status.state] ?? status.state}
    </span>
  );
}

/** What a flood or the platform's rate limits hold back (delayed, not lost); nothing when none. */
function WaitingLine({ status }: { status: ImStatus }) {
  const parts = imWaiting(status);
  return parts.length ? <div className="small im-waiting">Waiting: {parts.join(" · ")}</div> : null;
}

export function ImStatusLine(props: { status: ImStatus | null; config: ImConfig | null; failed?: boolean }) {
  const { status, config } = props;
  const platforms = usePlatforms();
  if (!status) {
    return (
      <section className="im-status muted" data-state="unknown" aria-label="Bridge status">
        {props.failed ? "Status unavailable: see the error above." : "Loading status…"}
      </section>
    );
  }
  const state = status.state ?? (status.running ? "running" : "stopped");
  const error = status.last_error;
  const platform = platforms.find((p) => p.id === config?.platform);
  const hint = error ? hintFor(platform, error.code, error.message) : null;
  return (
    <section className="im-status" data-state={state} aria-label="Bridge status">
      <div className="im-status-line">
        <span className={`dot ${state}`} aria-hidden="true" />
        <strong className="im-state">{LABELS[state] ?? state}</strong>
        {config ? (
          <span className="muted">
            {platformLabel(platforms, config.platform)} ·{" "}
            {config.mode === "http" ? "HTTP mode" : "Stream mode"} · Subscribers: {status.subscribers ?? 0}
            {status.reconnects ? ` · Reconnects: ${status.reconnects}` : ""}
          </span>
        ) : (
          <span className="muted">Not configured</span>
        )}
      </div>
      {state === "running" ? (
        <div className="muted small">
          {status.connected
            ? `Connected${status.connected_since ? ` since ${timeText(status.connected_since)}` : ""}`
            : `Connecting to ${platform?.label ?? "the platform"}…`}
        </div>
      ) : null}
      {state === "running" ? <WaitingLine status={status} /> : null}
      {error ? (
        <div className={`im-error ${state === "error" ? "" : "past"}`}>
          <div>
            {state === "error" ? "" : "Last error: "}
            <span className="im-error-message">{error.message}</span> <code>{error.code}</code>
            {error.at ? <span className="muted"> · {timeText(error.at)}</span> : null}
          </div>
          {hint && state === "error" ? (
            <div className="hint-box">
              <strong>{hint.title}</strong>
              <ul>
                {hint.steps.map((step) => (
                  <li key={step}>{step}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
