#!/usr/bin/env node
/**
 * Bundle the CLI client path into one CommonJS file, `dist/src/cli/cli-bundle.cjs`, run by the `cccc`
 * bin `dist/src/cli/main.cjs` (scripts/cli-loader.cjs, with a V8 code cache), from
 * the tsc output `dist/src/cli/main.js`. Part of `npm run build`; run after `tsc`.
 *
 * Why (docs/bench.md, "CLI"): a `cccc send` used to resolve, read, compile and link ~40 ESM files
 * (ours plus commander's) before doing anything; one CommonJS file skips the ESM loader and the
 * per-file resolution, which was most of the CLI's own start-up time.
 *
 * What stays out of the bundle: every `import()` keeps loading the tsc output lazily (the daemon,
 * the MCP server, zod's config schemas, a platform's runtime), rewritten to the same relative path
 * from `dist/src/cli/` so it still resolves. Built-in `node:` modules stay external; the loader
 * (scripts/cli-loader.cjs) loads each only when a command first uses it.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { rolldown } from "rolldown";
import { assertAscii, failOnLog, ROOT as root } from "./bundle-kit.mjs";
import { trainCodeCache } from "./train-cli-cache.mjs";

const input = resolve(root, "dist/src/cli/main.js");
const output = resolve(root, "dist/src/cli/cli-bundle.cjs");
const bin = resolve(root, "dist/src/cli/main.cjs");

/** Keep `import("./x.js")` lazy: external, path relative to the bundle's directory. */
const lazyStaysLazy = {
  name: "lazy-imports-stay-lazy",
  resolveDynamicImport(specifier, importer) {
    if (typeof specifier !== "string" || !specifier.startsWith(".") || !importer) return null;
    return { id: resolve(dirname(importer), specifier), external: "relative" };
  },
};

const bundle = await rolldown({
  input,
  platform: "node",
  external: (id) => id.startsWith("node:"),
  plugins: [lazyStaysLazy],
  logLevel: "warn",
  onLog: failOnLog("bundle-cli"),
});
// No JSDoc or annotation comments (commander's alone are ~40 % of its source): every command reads
// the bundle and hashes it against the code cache. Licence comments stay; the source map keeps lines.
await bundle.write({
  file: output,
  format: "cjs",
  codeSplitting: false,
  sourcemap: true,
  // ASCII-only, so V8 keeps the source one byte per character (assertAscii, scripts/bundle-kit.mjs).
  charset: "ascii",
  comments: { legal: true, annotation: false, jsdoc: false },
});
await bundle.close();
assertAscii(output);
// Lazy relative imports call the loader's import() (see scripts/cli-loader.cjs for why).
const code = readFileSync(output, "utf8").replace(/\bimport\((?="\.)/g, "__ccccImport(");
// The loader compiles the file as it is, so it is one function expression: the head takes the
// shebang's line (the source map's lines stay put), the tail goes before the sourceMappingURL comment.
const HEAD = "(function (exports, require, module, __filename, __dirname, __ccccImport) {";
const MAP_URL = /\n\/\/# sourceMappingURL=[^\n]*\s*$/;
if (!MAP_URL.test(code)) throw new Error("bundle-cli: the bundle does not end with its sourceMappingURL");
writeFileSync(output, `${HEAD}${code.replace(/^#!.*/, "").replace(MAP_URL, (url) => `\n})${url}`)}`);
// The bin is a small loader that runs the bundle with a V8 code cache (scripts/cli-loader.cjs).
copyFileSync(resolve(root, "scripts/cli-loader.cjs"), bin);
rmSync(`${output}.v8cache`, { force: true });
// Write the code cache now (scripts/train-cli-cache.mjs: `send`, `im status`), so an
// installed CLI starts with it even where dist/ is read-only.
await trainCodeCache(bin);
process.stdout.write(`bundled the CLI: ${relative(root, output)}, bin ${relative(root, bin)}\n`);
