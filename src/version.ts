import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root, whether running from src/ (tests) or dist/src/ (installed). */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "cccc") return dir;
    } catch {
      // keep walking up
    }
    dir = resolve(dir, "..");
  }
  throw new Error("cannot find the cccc package root");
})();

export const VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }
).version;

/**
 * The CLI entry: `dist/src/cli/main.js` bundled into one file by `npm run build`
 * (scripts/bundle-cli.mjs). Used to give actors `cccc` on their PATH and to spawn the daemon.
 */
export const CLI_ENTRY = join(PACKAGE_ROOT, "dist", "src", "cli", "main.cjs");
