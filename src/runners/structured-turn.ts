/** One turn of a structured session: what it answers, its text and activity so far, and how it ended. */

import { randomUUID } from "node:crypto";
import type { LedgerEvent } from "../kernel/types.js";
import type { TurnState } from "./structured-protocol.js";

export interface Turn {
  /** Also the `stream_id` of its `chat.stream` events and of the final `chat.message`. */
  readonly streamId: string;
  /** The delivered events this turn answers (several when they were batched). */
  readonly items: readonly LedgerEvent[];
  readonly startedAt: number;
  /** Assistant text streamed so far (all messages of the turn). */
  text: string;
  /** The latest tool call, e.g. "reading src/app.ts"; "" before the first. */
  activity: string;
  /** The final reply text (the CLI's result), set when the turn ends done. */
  finalText?: string;
  interrupting: boolean;
}

export type TurnUpdate =
  | { op: "start"; turn: Turn }
  | { op: "update"; turn: Turn }
  | { op: "end"; turn: Turn; state: TurnState; error?: string };

export function newTurn(items: readonly LedgerEvent[], now = Date.now()): Turn {
  return {
    streamId: `st_${randomUUID().replace(/-/g, "").slice(0, 20)}`,
    items,
    startedAt: now,
    text: "",
    activity: "",
    interrupting: false,
  };
}

/** Timings of a structured session (tests make them short with CCCC_STRUCTURED_TIMINGS). */
export interface StructuredTimings {
  /** A turn with no output line for this long fails ("the CLI hangs"). */
  turnIdleMs: number;
  /** After an interrupt request, the turn is ended and the process restarted if it has not stopped. */
  interruptGraceMs: number;
}

export const DEFAULT_STRUCTURED_TIMINGS: Readonly<StructuredTimings> = {
  turnIdleMs: 10 * 60_000,
  interruptGraceMs: 5_000,
};

export function structuredTimingsFromEnv(env: NodeJS.ProcessEnv): StructuredTimings {
  let given: Partial<StructuredTimings> = {};
  try {
    given = env.CCCC_STRUCTURED_TIMINGS
      ? (JSON.parse(env.CCCC_STRUCTURED_TIMINGS) as Partial<StructuredTimings>)
      : {};
  } catch {
    given = {};
  }
  const pick = (v: unknown, d: number) => (typeof v === "number" && v > 0 ? v : d);
  return {
    turnIdleMs: pick(given.turnIdleMs, DEFAULT_STRUCTURED_TIMINGS.turnIdleMs),
    interruptGraceMs: pick(given.interruptGraceMs, DEFAULT_STRUCTURED_TIMINGS.interruptGraceMs),
  };
}
