/**
 * Observed readiness of an actor's terminal, for delivery (docs/runners.md, "Delivery"): wait for what
 * the terminal shows instead of fixed sleeps. Each wait is bounded and takes the session's AbortSignal.
 */

import { setTimeout as delay } from "node:timers/promises";
import { detectDialog, type KnownDialog } from "./dialogs.js";

/** What the waits read from a terminal; `PtyRunner` has all of it, test doubles may omit the optional parts. */
export interface ReadinessTarget {
  readonly running: boolean;
  readonly startedAt: number | undefined;
  readonly firstOutputAt: number | undefined;
  /** Last output time; without it the waits fall back to their fixed bounds. */
  readonly lastOutputAt?: number | undefined;
  readonly bracketedPaste: boolean;
  /** The visible screen, to recognize first-run dialogs. */
  screenLines?(): string[];
}

export interface ReadinessTimings {
  readyGraceMs: number;
  readyMaxMs: number;
  settleMs: number;
  submitDelayMs: number;
  pollMs: number;
}

/** A known dialog on screen, or undefined. */
export function dialogOn(target: ReadinessTarget): KnownDialog | undefined {
  return target.screenLines ? detectDialog(target.screenLines()) : undefined;
}

/** No output for `settleMs` (true when the target cannot tell). */
function quiet(target: ReadinessTarget, settleMs: number, now: number): boolean {
  const last = target.lastOutputAt;
  return last === undefined || now - last >= settleMs;
}

export type ReadyResult = "ready" | "timed_out" | "not_running";

export interface ReadyOptions {
  /** A fresh terminal (nothing typed yet this session) must show it accepts input first. */
  fresh: boolean;
  /** The app switches bracketed paste on once its input is live (claude, codex, …). */
  waitForBracketedPaste: boolean;
  /** Called with the dialog while one holds delivery, and with undefined once it is gone. */
  onDialog(dialog: KnownDialog | undefined): void;
}

/**
 * Resolves when typing is safe. Never while a known dialog is on screen: typing there would answer it
 * (claude's defaults are "No, exit"). A fresh terminal is ready once it printed, switched bracketed
 * paste on (or, for apps that don't, `readyGraceMs` after its first output), and then stayed quiet for
 * `settleMs`; after `readyMaxMs` without that, "timed_out" (the caller types anyway and reports it).
 */
export async function waitReady(
  target: ReadinessTarget,
  t: ReadinessTimings,
  opts: ReadyOptions,
  signal: AbortSignal,
): Promise<ReadyResult> {
  for (;;) {
    if (!target.running) return "not_running";
    const dialog = dialogOn(target);
    opts.onDialog(dialog);
    const now = Date.now();
    if (!dialog) {
      if (!opts.fresh) return "ready";
      const first = target.firstOutputAt;
      const live = opts.waitForBracketedPaste
        ? target.bracketedPaste
        : first !== undefined && now - first >= t.readyGraceMs;
      if (first !== undefined && live && quiet(target, t.settleMs, now)) return "ready";
      if (now - (target.startedAt ?? now) >= t.readyMaxMs) return "timed_out";
    }
    await delay(t.pollMs, undefined, { signal });
  }
}

/**
 * After typing at `writtenAt`: resolves true once the terminal reacted (output after the write) and then
 * stayed quiet for `settleMs`, false when `submitDelayMs` passed without that. A target that cannot
 * report output times just waits `submitDelayMs`.
 */
export async function waitEcho(
  target: ReadinessTarget,
  writtenAt: number,
  t: ReadinessTimings,
  signal: AbortSignal,
): Promise<boolean> {
  if (!("lastOutputAt" in target)) {
    await delay(t.submitDelayMs, undefined, { signal });
    return true;
  }
  const deadline = writtenAt + t.submitDelayMs;
  const step = Math.max(1, Math.min(t.pollMs, t.settleMs));
  for (;;) {
    const now = Date.now();
    const last = target.lastOutputAt;
    if (last !== undefined && last >= writtenAt && now - last >= t.settleMs) return true;
    if (now >= deadline || !target.running) return false;
    await delay(Math.min(step, deadline - now), undefined, { signal });
  }
}
