import { useEffect, useRef } from "react";

/**
 * Calls `tick` now and then every `intervalMs` after the previous call settled (never overlapping),
 * while `enabled`. Restarts when `key` changes; stops on unmount.
 */
export function usePoll(tick: () => Promise<void>, intervalMs: number, key: string, enabled = true): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` restarts the loop on purpose.
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await tickRef.current();
      } finally {
        if (!stopped) timer = setTimeout(run, intervalMs);
      }
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs, key, enabled]);
}
