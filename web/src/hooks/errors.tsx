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
  dismiss: (id: number) => void;
}

const ErrorsContext = createContext<Errors | null>(null);
let nextId = 1;

/** Holds the errors shown in the alert region; the same error reported twice is shown once. */
export function ErrorsProvider({ children }: { children: ReactNode }) {
  const [errors, setErrors] = useState<ShownError[]>([]);
  const report = useCallback((error: unknown, context?: string) => {
    const { code, message } = errorText(error);
    setErrors((list) => {
      const rest = list.filter((e) => !(e.code === code && e.message === message && e.context === context));
      return [...rest, { id: nextId++, code, message, context }].slice(-3);
    });
  }, []);
  const dismiss = useCallback((id: number) => setErrors((list) => list.filter((e) => e.id !== id)), []);
  const value = useMemo(() => ({ errors, report, dismiss }), [errors, report, dismiss]);
  return <ErrorsContext.Provider value={value}>{children}</ErrorsContext.Provider>;
}

export function useErrors(): Errors {
  const errors = useContext(ErrorsContext);
  if (!errors) throw new Error("useErrors() outside <ErrorsProvider>");
  return errors;
}
