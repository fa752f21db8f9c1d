/**
 * Registering a route of the wire contract (src/contract/): the method and path come from the
 * contract, the query and JSON body are validated with its schemas (a bad one is the usual 400
 * `bad_request`/`too_long` naming the field), and the handler's result is typed by the response
 * schema. With `checkResponses` (CCCC_CHECK_RESPONSES=1; the test suite sets it) every JSON answer
 * is also checked against its schema at run time, so a field the contract lacks fails loudly.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import {
  API,
  type ParsedBodyOf,
  type ParsedQueryOf,
  type PathParams,
  type ResponseOf,
  ROUTES,
  type RouteName,
} from "../contract/index.js";
import { parse } from "./errors.js";

export interface RouteCall<N extends RouteName> {
  params: PathParams<N>;
  query: ParsedQueryOf<N>;
  body: ParsedBodyOf<N>;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** A JSON route returns its response; a raw one (bytes, event stream, platform) answers through `reply`. */
type Result<N extends RouteName> = [ResponseOf<N>] extends [never] ? FastifyReply | undefined : ResponseOf<N>;

const checking = new WeakMap<FastifyInstance, boolean>();

/** Turn the run-time response check on for the routes of `app` (startDaemon does, from the env). */
export function checkResponses(app: FastifyInstance, on: boolean): void {
  checking.set(app, on);
}

export function route<N extends RouteName>(
  app: FastifyInstance,
  name: N,
  handler: NoInfer<(call: RouteCall<N>) => Promise<Result<N>>>,
): void {
  const { method, path } = ROUTES[name];
  const spec: { query?: z.ZodType; body?: unknown; response: unknown } = API[name];
  app.route({
    method,
    url: path,
    handler: async (req, reply) => {
      const query = spec.query ? parse(spec.query, req.query) : {};
      const body = isSchema(spec.body) ? parse(spec.body, req.body) : req.body;
      const result = await handler({
        params: req.params as PathParams<N>,
        query: query as ParsedQueryOf<N>,
        body: body as ParsedBodyOf<N>,
        req,
        reply,
      });
      if (isSchema(spec.response) && checking.get(app)) checkResponse(name, spec.response, result);
      return result;
    },
  });
}

function isSchema(value: unknown): value is z.ZodType {
  return typeof value === "object" && value !== null && "safeParse" in value;
}

/** A response that breaks the contract is a bug in the daemon (or the contract): a 500 that says where. */
function checkResponse(name: string, schema: z.ZodType, value: unknown): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0];
  throw new Error(
    `the response of ${name} breaks the wire contract (src/contract/) at "${issue?.path.join(".") || "(root)"}": ${issue?.message}`,
  );
}
