/** Which structured session an actor's runtime speaks: its argv and protocol for one process. */

import { CcccError } from "../kernel/errors.js";
import { VERSION } from "../version.js";
import { codexMcpOverrides } from "./runtimes.js";
import { claudeProtocol, claudeStructuredArgv } from "./structured-claude.js";
import { CodexSession, codexStructuredArgv } from "./structured-codex.js";
import type { StructuredProtocol } from "./structured-protocol.js";

export interface StructuredSessionInput {
  runtime: string;
  /** The actor's `--command` (replaces the program only), or [] for the runtime's CLI. */
  program: readonly string[];
  /** CCCC's preamble: Claude's appended system prompt, Codex's developer instructions. */
  preamble: string;
  /** The kept session (Claude) or thread (Codex) id to resume. */
  sessionId?: string;
  cwd: string;
  /**
   * `ask`: Claude routes tool permissions through CCCC's approval prompt tool; Codex's thread asks
   * (approval policy "untrusted") and the runner answers from the approval inbox. Default bypass.
   */
  permissions?: "bypass" | "ask";
}

export interface StructuredSession {
  argv: string[];
  /** A fresh protocol per process (Codex's holds the thread and turn ids). */
  protocol: StructuredProtocol;
}

export function structuredSession(input: StructuredSessionInput): StructuredSession {
  switch (input.runtime) {
    case "claude":
      return {
        argv: claudeStructuredArgv({
          program: input.program,
          preamble: input.preamble,
          sessionId: input.sessionId,
          permissions: input.permissions ?? "bypass",
        }),
        protocol: claudeProtocol,
      };
    case "codex":
      return {
        argv: codexStructuredArgv(input.program, codexMcpOverrides()),
        protocol: new CodexSession({
          cwd: input.cwd,
          instructions: input.preamble,
          threadId: input.sessionId,
          clientVersion: VERSION,
          permissions: input.permissions ?? "bypass",
        }),
      };
    default:
      throw new CcccError(
        "structured_not_supported",
        `Runtime "${input.runtime}" has no structured session (only claude and codex); set the actor's runner to pty.`,
        400,
      );
  }
}
