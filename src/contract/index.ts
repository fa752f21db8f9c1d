/**
 * The HTTP API's wire contract, the one definition of every request and response (docs/api.md):
 * route names, methods and paths (routes.ts), their zod schemas (api.ts) and the shapes by area.
 * The daemon validates with the schemas; the CLI, the MCP server and the Web UI import the types
 * (`import type`, so none of them loads zod for it). Only zod and src/kernel/limits.ts are imported
 * here: the Web UI's type-check and Vite build read these files too.
 */
export * from "./api.js";
export * from "./approvals.js";
export * from "./common.js";
export * from "./groups.js";
export * from "./health.js";
export * from "./im.js";
export * from "./im-waiting.js";
export * from "./messages.js";
export * from "./routes.js";
export * from "./terminal.js";
