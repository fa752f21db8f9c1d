/**
 * DingTalk's published rate limits: 20 calls per second per app per API; a robot may send 20
 * messages per minute to one chat (the documented custom-robot limit, applied here to every route,
 * since DingTalk documents no per-chat limit for the robot OpenAPI). The pacing itself is the transport kit's
 * `RateLimiter` (transport/rate-window.ts).
 */
import { z } from "zod";
import { RateLimiter, type RateLimits } from "../transport/rate-window.js";

export type { RateLimits } from "../transport/rate-window.js";

export const DEFAULT_RATE_LIMITS: RateLimits = {
  apiCalls: 20,
  apiWindowMs: 1_000,
  chatMessages: 20,
  chatWindowMs: 60_000,
};

/** The limiter of one DingTalk app: every call of the app (sends, cards, …) shares its budget. */
export function dingTalkLimiter(limits: Partial<RateLimits> = {}, now?: () => number): RateLimiter {
  return new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...limits }, now);
}

const limitsSchema = z
  .object({
    apiCalls: z.number().int().positive(),
    apiWindowMs: z.number().int().positive(),
    chatMessages: z.number().int().positive(),
    chatWindowMs: z.number().int().positive(),
  })
  .partial()
  .strict();

/**
 * `CCCC_DINGTALK_RATE_LIMITS`, JSON with any of the `RateLimits` keys: for an organisation whose
 * limits differ from the standard ones, and for tests that scale time down. Bad values are logged
 * and the defaults used.
 */
export function rateLimitsFromEnv(
  value: string | undefined,
  log: (line: string) => void = () => {},
): Partial<RateLimits> | undefined {
  if (!value?.trim()) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    log("CCCC_DINGTALK_RATE_LIMITS is not JSON; using DingTalk's standard limits");
    return undefined;
  }
  const parsed = limitsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    log(
      `CCCC_DINGTALK_RATE_LIMITS ignored: ${issue?.path.join(".") || "value"}: ${issue?.message ?? "invalid"} (keys: ${Object.keys(DEFAULT_RATE_LIMITS).join(", ")}; positive integers)`,
    );
    return undefined;
  }
  return parsed.data;
}
