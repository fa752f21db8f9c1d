/**
 * Length limits and enums shared by group.yaml (src/kernel/config.ts) and the HTTP API's wire
 * contract (src/contract/). Only zod here: the Web UI's type-check reads this file too.
 */
import { z } from "zod";

/**
 * Length limits of free-text fields, in characters (docs/kernel.md "Limits"). The schemas here and
 * the API's request schemas use them, so a 100,000-character title is refused with its field named.
 */
export const LIMITS = {
  groupTitle: 200,
  actorId: 32,
  actorTitle: 100,
  path: 4096,
  scopeLabel: 200,
  commandArg: 16_384,
  commandArgs: 256,
  envName: 256,
  envValue: 32_768,
  envEntries: 256,
  /** Recipient tokens, event ids, `by`, client ids, chat ids and other identifiers. */
  token: 256,
  recipients: 100,
  attachments: 100,
  fileName: 1024,
  credential: 4096,
} as const;

/** A string of at most `max` characters; the error says the limit and how long it was. */
export function text(max: number) {
  return z.string().max(max, {
    error: (issue) =>
      `is too long (${typeof issue.input === "string" ? issue.input.length : "?"} characters; the limit is ${max})`,
  });
}

/** An object of at most `max` entries. */
export function recordOf<T extends z.ZodType>(value: T, max: number) {
  return z
    .record(text(LIMITS.envName), value)
    .refine((r) => Object.keys(r).length <= max, `has too many entries (the limit is ${max})`);
}

export const RUNTIMES = ["claude", "codex", "gemini", "opencode", "custom"] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const RUNNERS = ["pty", "headless", "structured"] as const;
export type RunnerName = (typeof RUNNERS)[number];

/** `bypass`: the agent runs tools without asking (the default); `ask`: a person approves each risky call. */
export const PERMISSION_MODES = ["bypass", "ask"] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];
