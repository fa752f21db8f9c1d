/**
 * Typed errors with stable codes. A user sees `code` and a sentence that tells them what to do.
 * The HTTP API maps `status` to the response code and serializes `{error:{code,message}}`.
 */
const BRAND = Symbol.for("cccc.error");

function isInstance(asked: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(asked, value)) return true;
  return asked === CcccError && value instanceof Error && (value as { [BRAND]?: true })[BRAND] === true;
}

export class CcccError extends Error {
  /**
   * `instanceof CcccError` also holds for a CcccError made by another copy of this module: the
   * bundled CLI (scripts/bundle-cli.mjs) has its own copy, the code it loads lazily (daemon, MCP
   * server, agent setup) the tsc output's. Subclasses keep the ordinary check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class asked about, a subclass too (not CcccError)
    return isInstance(this, value);
  }

  readonly [BRAND] = true as const;

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
