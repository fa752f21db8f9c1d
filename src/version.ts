import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * The package root, whether running from src/ (tests) or dist/src/ (installed), and its
 * package.json, read once (every CLI command evaluates this at start).
 */
const PACKAGE = (() => {
  // import.meta.dirname (Node ≥ 20.11) is `__dirname` in the CLI bundle: no file URL round trip.
  let dir = import.meta.dirname;
  for (let i = 0; i < 4; i++) {
    // existsSync first: a failed read throws, and the bundle (dist/src/cli/) is three levels down.
    if (!existsSync(join(dir, "package.json"))) {
      dir = resolve(dir, "..");
      continue;
    }
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "cccc") return { root: dir, version: String(pkg.version) };
    } catch {
      // keep walking up
    }
    dir = resolve(dir, "..");
  }
  throw new Error("cannot find the cccc package root");
})();

export const PACKAGE_ROOT: string = PACKAGE.root;
export const VERSION: string = PACKAGE.version;

/**
 * The CLI entry: `dist/src/cli/main.js` bundled into one file by `npm run build`
 * (scripts/bundle-cli.mjs). Used to give actors `cccc` on their PATH and to spawn the daemon.
 */
export const CLI_ENTRY = join(PACKAGE_ROOT, "dist", "src", "cli", "main.cjs");
