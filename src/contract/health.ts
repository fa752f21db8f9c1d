/** `GET /api/v1/health`: the daemon answers; its version, pid and home. */
import { z } from "zod";

export const Health = z.strictObject({
  ok: z.literal(true),
  version: z.string(),
  pid: z.number().int(),
  home: z.string(),
});
export type Health = z.infer<typeof Health>;
