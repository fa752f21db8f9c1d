import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { errorText } from "../api/client.ts";

export interface ShownError {
  id: number;
  code: string;
  message: string;
  context?: string;
}

interface Errors {
  errors: ShownError[];
  report: (error: unknown, context?: string) => void;
  /** Drops the errors of `context`, e.g. when a poll that failed succeeds again. */
  resolve: (context: string) => void;
  dismiss: (id: number) => void;
  /** Where the alert region renders: inside the open modal dialog (the page is inert then), or inline. */
  alertHost: HTMLElement | null;
  setAlertHost: (host: HTMLElement | null) => void;
}

const ErrorsContext = createContext<Errors | null>(null);
let nextId = 1;

/** Holds the errors shown in the alert region; the same error reported twice is shown once. */
export function ErrorsProvider({ children }: { children: ReactNode }) {
  const [errors, setErrors] = useState<ShownError[]>([]);
  const [alertHost, setAlertHost] = useState<HTMLElement | null>(null);
  const report = useCallback((error: unknown, context?: string) => {
    const { code, message } = errorText(error);
    setErrors((list) => {
      // A poll failing every 2 s must not re-announce the same alert each time.
      if (list.some((e) => e.code === code && e.message === message && e.context === context)) return list;
      return [...list, { id: nextId++, code, message, context }].slice(-3);
    });
  }, []);
  const resolve = useCallback(
    (context: string) =>
      setErrors((list) =>
        list.some((e) => e.context === context) ? list.filter((e) => e.context !== context) : list,
      ),
    [],
  );
  const dismiss = useCallback((id: number) => setErrors((list) => list.filter((e) => e.id !== id)), []);
  const value = useMemo(
    () => ({ errors, report, resolve, dismiss, alertHost, setAlertHost }),
    [errors, report, resolve, dismiss, alertHost],
  );
  return <ErrorsContext.Provider value={value}>{children}</ErrorsContext.Provider>;
}

export function useErrors(): Errors {
  const errors = useContext(ErrorsContext);
  if (!errors) throw new Error("useErrors() outside <ErrorsProvider>");
  return errors;
}
