import type { FastifyError, FastifyInstance } from "fastify";
import type { z } from "zod";
import { CcccError, ValidationError } from "../kernel/errors.js";

/** Every error leaves as `{error:{code,message}}` with a status that fits. */
export function installErrorHandler(app: FastifyInstance, log: (line: string) => void): void {
  app.setErrorHandler((err: FastifyError | CcccError | Error, _req, reply) => {
    if (err instanceof CcccError) {
      return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    }
    const status = (err as FastifyError).statusCode;
    if (status === 413) {
      return reply.code(413).send({
        error: {
          code: "too_large",
          message:
            "The request is too large (8 MB for messages, 100 MB for files): send big content as a file.",
        },
      });
    }
    if (status && status < 500) {
      return reply
        .code(status)
        .send({ error: { code: (err as FastifyError).code ?? "bad_request", message: err.message } });
    }
    log(`internal error: ${err.stack ?? err.message}`);
    return reply.code(500).send({ error: { code: "internal", message: `Internal error: ${err.message}` } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: "not_found", message: `No route ${req.method} ${req.url}.` } }),
  );
}

/** Validate a request body with zod; the error names the first bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join(".") || "body";
  // Length limits (LIMITS in src/kernel/config.ts) get their own code: the fix is to shorten.
  const code = issue?.code === "too_big" ? "too_long" : "bad_request";
  throw new ValidationError(code, `Invalid "${field}": ${issue?.message ?? "invalid"}.`);
}
