import { createPortal } from "react-dom";
import { useErrors } from "../hooks/errors.tsx";

/**
 * The one alert region: always in the DOM so screen readers announce new errors; shows the daemon's
 * code and message. While a modal dialog is open it renders inside it, where it can be seen and read.
 */
export function AlertRegion() {
  const { errors, dismiss, alertHost } = useErrors();
  const region = (
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
  return alertHost ? createPortal(region, alertHost) : region;
}
