/** Serves web/dist like the daemon must: files at `/`, index.html for any other non-API path. */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { WEB_TYPES as TYPES } from "../../src/daemon/static.js";

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export async function serveWeb(
  dist: string,
  api: ApiHandler,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.startsWith("/api/")) {
      Promise.resolve(api(req, res)).catch((error: unknown) => {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { code: "test_server", message: String(error) } }));
      });
      return;
    }
    const asked = normalize(join(dist, path));
    // Files by path; any other path is a client-side route and gets index.html (SPA fallback).
    const file = asked.startsWith(dist) && extname(asked) !== "" ? asked : join(dist, "index.html");
    readFile(file).then(
      (body) => {
        res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
