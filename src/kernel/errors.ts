/**
 * Typed errors with stable codes. A user sees `code` and a sentence that tells them what to do.
 * The HTTP API maps `status` to the response code and serializes `{error:{code,message}}`.
 */
export class CcccError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad configuration: the message names the file, the key and the fix. */
export class ConfigError extends CcccError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("invalid_config", message, 400, details);
  }
}

export class NotFoundError extends CcccError {
  constructor(code: string, message: string) {
    super(code, message, 404);
  }
}

export class ValidationError extends CcccError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 400, details);
  }
}
