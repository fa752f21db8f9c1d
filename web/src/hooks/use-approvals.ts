import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client.ts";
import type { Approval, LedgerEvent } from "../api/types.ts";

/**
 * The group's approval inbox, kept live: loaded once, then again (debounced) whenever the ledger
 * stream brings an `approval.*` event. `onEvent` is fed by the app's ledger subscription.
 */
export function useApprovals(gid: string | null, onError: (error: unknown) => void) {
  const [pending, setPending] = useState<Approval[]>([]);
  const [history, setHistory] = useState<Approval[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const report = useRef(onError);
  report.current = onError;

  const reload = useCallback(async () => {
    if (!gid) return;
    try {
      const inbox = await api.approvals(gid);
      setPending(inbox.pending);
      setHistory(inbox.history);
    } catch (error) {
      report.current(error);
    }
  }, [gid]);

  useEffect(() => {
    setPending([]);
    setHistory([]);
    void reload();
    return () => clearTimeout(timer.current);
  }, [reload]);

  const onEvent = useCallback(
    (event: LedgerEvent) => {
      if (!event.kind.startsWith("approval.") || timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        void reload();
      }, 150);
    },
    [reload],
  );

  return { pending, history, reload, onEvent };
}
