/** Card pacing and watchdog bounds, and `CCCC_IM_CARD_TIMINGS` (tests scale them down). */
import { z } from "zod";

export interface CardTimings {
  /** Between two updates of one card (the platform's floor, e.g. ≥ 300 ms). */
  minIntervalMs: number;
  /** A stream with no event this long is finalized "interrupted". */
  stallMs: number;
  /** After a stream ended "done", how long its card waits for the final message before closing. */
  finalWaitMs: number;
  /** A "working" card without an answer this long says "no answer yet". */
  workingMs: number;
}

export const DEFAULT_CARD_TIMINGS: CardTimings = {
  minIntervalMs: 300,
  stallMs: 10 * 60_000,
  finalWaitMs: 120_000,
  workingMs: 10 * 60_000,
};

const schema = z
  .object({
    minIntervalMs: z.number().int().min(300),
    stallMs: z.number().int().positive(),
    finalWaitMs: z.number().int().positive(),
    workingMs: z.number().int().positive(),
  })
  .partial()
  .strict();

/** `CCCC_IM_CARD_TIMINGS`, JSON with any `CardTimings` key; bad values are logged and ignored. */
export function cardTimingsFromEnv(
  value: string | undefined,
  log: (line: string) => void = () => {},
): { cardTimings?: Partial<CardTimings> } {
  if (!value?.trim()) return {};
  try {
    return { cardTimings: schema.parse(JSON.parse(value)) };
  } catch (error) {
    log(
      `CCCC_IM_CARD_TIMINGS ignored (${(error as Error).message.split("\n")[0]}); keys: ${Object.keys(DEFAULT_CARD_TIMINGS).join(", ")} (ms; minIntervalMs ≥ 300)`,
    );
    return {};
  }
}
