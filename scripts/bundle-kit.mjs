/**
 * Pieces shared by the bundling scripts (scripts/bundle-cli.mjs, scripts/bundle-daemon.mjs): the
 * repository root, a log handler that turns every bundler warning into a build error, a plugin that
 * carries tsc's source maps into the bundle, and the check that an output file is ASCII-only.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `onLog` for rolldown: anything the bundler warns about fails the build (a silently wrong bundle is worse). */
export function failOnLog(name) {
  return (level, log) => {
    throw new Error(`${name}: ${level}: ${log.message}`);
  };
}

/**
 * Load our tsc output (`dist/src/**.js`) with its `.js.map`, so the bundle's source map points at
 * the TypeScript sources (their text included: an installed package has no src/) instead of tsc's
 * JavaScript. Other files load as usual.
 */
export function tscSourceMaps(distSrc) {
  const prefix = `${distSrc}/`;
  return {
    name: "tsc-source-maps",
    load(id) {
      if (!id.startsWith(prefix) || !id.endsWith(".js") || !existsSync(`${id}.map`)) return null;
      const code = readFileSync(id, "utf8").replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
      const map = JSON.parse(readFileSync(`${id}.map`, "utf8"));
      const dir = resolve(dirname(id), map.sourceRoot ?? "");
      map.sourcesContent ??= map.sources.map((s) => readFileSync(resolve(dir, s), "utf8"));
      return { code, map };
    },
  };
}

/**
 * Throw unless `file` is ASCII-only. V8 keeps a one-byte (Latin-1) string for a script's source
 * only when every character fits; a single `…` in a comment makes it two bytes per character.
 */
export function assertAscii(file) {
  const text = readFileSync(file, "utf8");
  const at = text.search(/[\u0080-\uffff]/);
  if (at === -1) return;
  const line = text.slice(0, at).split("\n").length;
  throw new Error(`${relative(ROOT, file)}:${line}: non-ASCII character ${JSON.stringify(text[at])}`);
}

/**
 * Replace packages that are bundled but never run with a stub that throws when used, so their
 * source (kept in memory by V8 for the life of the process) is not part of the bundle.
 * `unused` maps a package (and its subpaths) to why it is never run, which the stub's error says.
 */
export function unusedPackages(unused) {
  const PREFIX = "\0unused:";
  const owner = (id) => Object.keys(unused).find((p) => id === p || id.startsWith(`${p}/`));
  return {
    name: "unused-packages",
    resolveId(id) {
      const pkg = owner(id);
      return pkg ? `${PREFIX}${pkg}` : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const pkg = id.slice(PREFIX.length);
      const message = JSON.stringify(`${pkg} is left out of this bundle: ${unused[pkg]}`);
      return `const fail = () => { throw new Error(${message}); };
module.exports = new Proxy(fail, { get: fail, apply: fail, construct: fail });`;
    },
  };
}
