import { CcccError } from "../kernel/errors.js";

/**
 * Stable error codes of the bridge core. The daemon maps them to HTTP (status) and the CLI prints
 * `code: message`; every message says what to do next.
 */
export type ImErrorCode =
  | "im_state_corrupt"
  | "im_state_write_failed"
  | "invalid_key"
  | "missing_key"
  | "too_many_attempts"
  | "chat_not_found"
  | "im_app_key_in_use"
  | "im_not_running"
  | "im_already_running";

export class ImError extends CcccError {
  constructor(code: ImErrorCode, message: string, status = 400, details?: Record<string, unknown>) {
    super(code, message, status, details);
  }
}

/** The `code` of anything thrown, or undefined. Adapters throw errors carrying a string `code`. */
export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === "object" && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
