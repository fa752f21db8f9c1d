/**
 * Makes sure web/dist is a build of the current web/ sources: builds it when it is missing or older
 * than any source file. `npm test` builds it first anyway; this keeps `npx vitest run test/web` honest.
 * Usable as a Vitest `globalSetup` (default export) or called from `beforeAll`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const webDist = join(repoRoot, "web", "dist");

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function ensureWebBuilt(): void {
  const index = join(webDist, "index.html");
  const sources = ["web/src", "web/index.html", "web/vite.config.ts"].map((p) => join(repoRoot, p));
  const newestSource = Math.max(...sources.map(newestMtime));
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource) return;
  execFileSync("npx", ["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
}

export default function setup(): void {
  ensureWebBuilt();
}
