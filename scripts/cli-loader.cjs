#!/usr/bin/env node
"use strict";
/**
 * The `cccc` bin (`dist/src/cli/main.cjs`, copied there by scripts/bundle-cli.mjs): runs the bundled
 * CLI `cli-bundle.cjs` beside it through `vm.Script` with a V8 code cache, so a command does not
 * re-parse and re-compile the 170 kB bundle on every start (Node 20 has no
 * `module.enableCompileCache`). docs/bench.md, "CLI", has the numbers.
 *
 * The cache `cli-bundle.cjs.v8cache` is written by `npm run build` and rewritten (best effort,
 * atomically: temp file + rename) whenever V8 rejects it — another Node version, other flags, a
 * changed bundle. A missing, unreadable or unwritable cache only costs the compile, never the command.
 *
 * The bundle gets a `require` that loads a `node:` built-in only when first used (lazyBuiltin below).
 */
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const file = path.join(__dirname, "cli-bundle.cjs");
const cacheFile = `${file}.v8cache`;
// One function expression (scripts/bundle-cli.mjs wraps it at build time): compiled as read, with no
// copy of its ~130 kB made here to add a wrapper or drop a shebang. Read as bytes and decoded as
// latin1, which for this ASCII-only file (assertAscii at build time) is the same text: Node 20's
// utf8 read of it took ~3 ms against ~1.5 ms (docs/bench.md, "CLI").
const source = fs.readFileSync(file).toString("latin1");
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// The bundle's lazy `import("../daemon/daemon.js")`s were rewritten to `__ccccImport(…)` by
// scripts/bundle-cli.mjs: an import() inside vm.Script needs --experimental-vm-modules, and Node 20
// drops vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER once a code cache is used. The specifiers are
// relative to the bundle's directory, which is this file's, so this file's own import() resolves them.
const script = new vm.Script(source, {
  filename: file,
  cachedData,
});
// V8 rejects a cache made under other V8 flags. The daemon runs with its own (`--max-semi-space-size`,
// src/client/daemon-launch.ts): were it to write the cache, the next plain command would reject it
// and write it back, each paying the full compile. A process started with Node flags leaves it alone.
const plainNode = process.execArgv.length === 0;
if (
  process.env.CCCC_WRITE_CODE_CACHE === "1" ||
  (plainNode && (cachedData === undefined || script.cachedDataRejected))
) {
  // On exit, so the cache also holds the functions this command compiled lazily (commander may
  // call process.exit() from inside the run below, so the listener goes first).
  process.once("exit", () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  });
}

/**
 * The bundle requires every `node:` built-in any command might use at its top (`child_process`,
 * `crypto`, `fs/promises` …), each costing ms to load. A built-in Node has not loaded yet comes
 * back as a proxy that requires it on first use (property read, call, `new`, `in`, keys), so a
 * command loads only what it touches. Values read through it are the real ones: classes work with
 * `new`, `instanceof` and `extends`. A call as `proxy.fn()` gets the proxy as `this`; Node's module
 * functions do not use `this`, and rolldown calls them as `(0, node_x.fn)()` anyway.
 */
const loaded = new Set(process.moduleLoadList);
function lazyBuiltin(id) {
  if (!id.startsWith("node:") || loaded.has(`NativeModule ${id.slice(5)}`)) return require(id);
  let real;
  const load = () => {
    if (real === undefined) real = require(id);
    return real;
  };
  // A bound function: callable and constructible (`node:assert`, `node:stream` export functions)
  // with no non-configurable own property a Proxy would have to report.
  const target = function builtin() {}.bind(null);
  const proxy = new Proxy(target, {
    get: (_, key) => load()[key],
    set: (_, key, value) => Reflect.set(load(), key, value),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(load()),
    apply: (_, self, args) => Reflect.apply(load(), self, args),
    construct: (_, args, newTarget) => Reflect.construct(load(), args, newTarget === proxy ? load() : newTarget),
  });
  return proxy;
}

const wrapper = script.runInThisContext();
const mod = { exports: {}, filename: file, id: file };
// This file's own require and import() resolve like the bundle's: it sits in the same directory.
wrapper.call(mod.exports, mod.exports, lazyBuiltin, mod, file, __dirname, (specifier) => import(specifier));
