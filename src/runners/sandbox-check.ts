/** Checks before an agent CLI is spawned that would otherwise just exit (docs/runners.md). */

import { CcccError } from "../kernel/errors.js";
import type { Env } from "./process-group.js";

export interface SandboxCheckInput {
  actorId: string;
  runtime: string;
  argv: readonly string[];
  /** The environment the actor would get. */
  env: Env;
  /** `process.getuid()`; undefined where there is none (Windows). */
  uid: number | undefined;
}

/**
 * Claude Code refuses `--dangerously-skip-permissions` as root unless `IS_SANDBOX` is set, and exits
 * at once: fail the start with what to do instead of showing a bare crash.
 */
export function assertClaudeRootSandbox(input: SandboxCheckInput): void {
  if (input.uid !== 0 || input.runtime !== "claude") return;
  if (!input.argv.includes("--dangerously-skip-permissions")) return;
  if (input.env.IS_SANDBOX) return;
  throw new CcccError(
    "claude_root_needs_sandbox",
    `Claude Code refuses --dangerously-skip-permissions as root unless IS_SANDBOX is set, so actor ${input.actorId} would exit at once. If this machine is a sandbox or container, run "cccc actor env set ${input.actorId} IS_SANDBOX=1" and start it again; otherwise run CCCC as a normal user.`,
    409,
    { actor_id: input.actorId },
  );
}
