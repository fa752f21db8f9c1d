import { type ReactNode, useEffect, useRef } from "react";
import { useErrors } from "../hooks/errors.tsx";

/** A modal built on <dialog>: focus trapping, Escape to close and the backdrop come from the browser. */
export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const alertSlot = useRef<HTMLDivElement>(null);
  const { setAlertHost } = useErrors();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      dialog.showModal();
      // React's autoFocus runs before showModal() and is lost; `data-autofocus` marks the field instead.
      dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    }
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  useEffect(() => {
    if (!props.open) return;
    setAlertHost(alertSlot.current);
    return () => setAlertHost(null);
  }, [props.open, setAlertHost]);
  return (
    <dialog
      ref={ref}
      className={`dialog ${props.className ?? ""}`}
      aria-label={props.title}
      onClose={props.onClose}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <header className="dialog-head">
        <h2>{props.title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      <div ref={alertSlot} className="dialog-alerts" />
      {props.open ? props.children : null}
    </dialog>
  );
}
