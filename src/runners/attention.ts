/**
 * "This actor needs a human": a running PTY actor whose terminal shows a known dialog, never became
 * ready, or did not react to delivery (docs/runners.md, "Stuck actors"). Pure over what the terminal
 * and the delivery queue report; the daemon adds it to the actor's status.
 */

import type { DeliveryHealth } from "./delivery.js";
import { detectDialog } from "./dialogs.js";

export interface ActorAttention {
  /** `dialog:<dialog code>`, `not_ready` or `unacknowledged`. */
  code: string;
  /** What is wrong and what to do. */
  message: string;
  /** Epoch ms since when, if known. */
  since?: number;
  /** The last non-empty lines of the visible screen. */
  screen: string[];
}

export interface AttentionInput {
  actorId: string;
  runtime: string;
  screen: readonly string[];
  running: boolean;
  startedAt: number | undefined;
  /** Nothing has been typed into this terminal session yet. */
  fresh: boolean;
  /** The runtime's TUI turns bracketed paste on once its input is live, and it has not yet. */
  awaitingPasteMode: boolean;
  health: DeliveryHealth | undefined;
  readyMaxMs: number;
  now?: number;
}

const SCREEN_LINES = 12;

export function actorAttention(input: AttentionInput): ActorAttention | undefined {
  if (!input.running) return undefined;
  const screen = input.screen
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-SCREEN_LINES);
  const agent = input.runtime === "custom" ? "the agent" : input.runtime;
  const dialog = detectDialog(input.screen);
  if (dialog) {
    const since = input.health?.code === "dialog" ? input.health.since : undefined;
    const message = `${dialog.message.replaceAll("{agent}", agent)}. Messages wait until then.`;
    return { code: `dialog:${dialog.code}`, message, since, screen };
  }
  const now = input.now ?? Date.now();
  const startedLongAgo = input.startedAt !== undefined && now - input.startedAt >= input.readyMaxMs;
  if (input.health?.code === "not_ready" || (input.fresh && input.awaitingPasteMode && startedLongAgo)) {
    const secs = Math.round(input.readyMaxMs / 1000);
    return {
      code: "not_ready",
      message: `${agent}'s terminal has not shown an input prompt ${secs} s after it started: look at its terminal tab (a prompt or error CCCC does not know?), then answer it or run "cccc actor restart ${input.actorId}"`,
      since: input.health?.since ?? input.startedAt,
      screen,
    };
  }
  if (input.health?.code === "unacknowledged") {
    return {
      code: "unacknowledged",
      message: `${agent} did not react to the last message typed into its terminal: look at its terminal tab (waiting for a key? frozen?), or run "cccc actor restart ${input.actorId}"`,
      since: input.health.since,
      screen,
    };
  }
  return undefined;
}
