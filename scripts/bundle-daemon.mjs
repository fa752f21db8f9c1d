#!/usr/bin/env node
/**
 * Bundle the daemon into ESM chunks under `dist/daemon-bundle/`, entry `daemon.mjs` (exports
 * `startDaemon`), from the tsc output `dist/src/daemon/daemon.js`. `cccc daemon run` imports it
 * (src/cli/daemon.ts). Part of `npm run build`; run after `tsc`.
 *
 * Why (docs/bench.md, "Daemon footprint"): the daemon used to load about 450 ESM and CommonJS files
 * (ours, fastify's, zod's, ws's …), each with its own module record, resolution and source string;
 * one file costs less memory and starts faster.
 *
 * Every `import()` stays lazy as its own chunk (node-pty's runner and the headless xterm with the
 * first PTY actor, a platform's runtime with its bridge, yaml when the config is written). Not
 * minified, with source maps, ASCII-only (non-ASCII escaped: V8 keeps one-byte source strings).
 * External: Node's built-ins and the native `@lydell/node-pty` (with its per-platform packages).
 * Packages Fastify would load only for features the daemon does not use are left out (UNUSED).
 */
import { readdirSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { rolldown } from "rolldown";
import { assertAscii, failOnLog, ROOT, tscSourceMaps, unusedPackages } from "./bundle-kit.mjs";

const input = resolve(ROOT, "dist/src/daemon/daemon.js");
const outDir = resolve(ROOT, "dist/daemon-bundle");

/**
 * Fastify requires these only for features the daemon does not use; each would be 50-650 kB of
 * source V8 keeps in memory. src/daemon/daemon.ts sets what keeps Fastify from loading them.
 */
const UNUSED = {
  "@fastify/ajv-compiler": "routes validate with zod (NO_SCHEMA_COMPILERS in src/daemon/daemon.ts)",
  "@fastify/fast-json-stringify-compiler":
    "no response schemas (NO_SCHEMA_COMPILERS in src/daemon/daemon.ts)",
  "light-my-request": "Fastify's inject() is for tests; the daemon's tests use real HTTP",
  pino: "the daemon runs Fastify with logger: false and logs to its own file",
  semver: "Fastify checks the version range a plugin declares; the daemon registers no plugins",
};

/** Native code and the optional native speed-ups `ws` tries to require. */
const EXTERNAL = [/^node:/, /^@lydell\/node-pty/, /^bufferutil$/, /^utf-8-validate$/];

const bundle = await rolldown({
  input: { daemon: input },
  platform: "node",
  external: (id) => EXTERNAL.some((re) => re.test(id)),
  plugins: [unusedPackages(UNUSED), tscSourceMaps(resolve(ROOT, "dist/src"))],
  logLevel: "warn",
  onLog: failOnLog("bundle-daemon"),
});
const { output } = await bundle.write({
  dir: outDir,
  format: "esm",
  entryFileNames: "[name].mjs",
  // Stable names, as tsc's output had: a daemon still running from an earlier build finds its lazy
  // chunks (rewritten in place) instead of a name that no longer exists.
  chunkFileNames: "[name].mjs",
  sourcemap: true,
  charset: "ascii",
  // Comments are kept (readable stack-trace context) but may hold non-ASCII; rolldown escapes
  // strings and identifiers only, so drop JSDoc (the bulk of it) and check the rest below.
  comments: { legal: false, annotation: true, jsdoc: false },
});
await bundle.close();
const written = new Set(
  output.flatMap((o) => [
    o.fileName,
    ...(o.type === "chunk" && o.sourcemapFileName ? [o.sourcemapFileName] : []),
  ]),
);
for (const f of readdirSync(outDir)) if (!written.has(f)) rmSync(join(outDir, f)); // an earlier build's
const files = [...written].filter((f) => f.endsWith(".mjs"));
for (const f of files) assertAscii(join(outDir, f));
process.stdout.write(`bundled the daemon: ${relative(ROOT, outDir)}/ (${files.join(", ")})\n`);
