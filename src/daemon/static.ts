import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import type { FastifyInstance } from "fastify";
import { PACKAGE_ROOT } from "../version.js";
import { route } from "./route.js";

/** Content types of the files a Vite build emits. */
export const WEB_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>CCCC</title>
<h1>CCCC daemon is running</h1><p>The Web UI is not built yet: run <code>npm run build:web</code>.</p>`;

/** Serve the built Web UI from web/dist, with the SPA fallback to index.html. */
export function staticRoutes(app: FastifyInstance, webDir = join(PACKAGE_ROOT, "web", "dist")): void {
  const root = resolve(webDir);
  route(app, "webUi", async ({ params, reply }) => {
    const url = decodeURIComponent(params["*"] ?? "");
    if (url.startsWith("api/")) {
      return reply.code(404).send({ error: { code: "not_found", message: `No route GET /${url}.` } });
    }
    let file = resolve(root, url || "index.html");
    if (!file.startsWith(root + sep) && file !== root) file = join(root, "index.html");
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) file = join(root, "index.html");
    if (!existsSync(file)) return reply.type("text/html; charset=utf-8").send(PLACEHOLDER);
    return reply
      .type(WEB_TYPES[extname(file)] ?? "application/octet-stream")
      .header("cache-control", file.endsWith("index.html") ? "no-cache" : "public, max-age=3600")
      .send(createReadStream(file));
  });
}
