import type { FastifyInstance } from "fastify";
import type { DaemonContext } from "./context.js";
import type { ImManager } from "./im.js";

export function imRoutes(_app: FastifyInstance, _ctx: DaemonContext, _im: ImManager): void {}
