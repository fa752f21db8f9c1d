import { useErrors } from "../hooks/errors.tsx";

/** Always in the page so screen readers announce new errors; shows the daemon's code and message. */
export function AlertRegion() {
  const { errors, dismiss } = useErrors();
  return (
    <div className="alerts" role="alert" aria-live="assertive">
      {errors.map((e) => (
        <div key={e.id} className="alert">
          <div className="alert-text">
            {e.context ? <strong>{e.context}: </strong> : null}
            <span>{e.message}</span> <code className="muted">{e.code}</code>
          </div>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(e.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
