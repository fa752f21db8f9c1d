import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI } from "../support/cli.js";

// The `cccc` bin (scripts/cli-loader.cjs) hands the bundle a `require` whose `node:` built-ins load
// on first use. Here the loader runs a stand-in bundle that uses them the ways a bundle may.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const BUNDLE = `
const loadedNow = (m) => process.moduleLoadList.includes("NativeModule " + m);
const cp = require("node:child_process");
const assert = require("node:assert");
const stream = require("node:stream");
const fsp = require("node:fs/promises");
const out = { before: ["child_process", "assert", "stream", "fs/promises"].filter(loadedNow) };
out.spawnSync = cp.spawnSync(process.execPath, ["-e", "process.stdout.write('hi')"]).stdout.toString();
out.afterUse = loadedNow("child_process");
assert(true); // node:assert's export is a function
let threw = false;
try { assert.strictEqual(1, 2); } catch (e) { threw = e instanceof assert.AssertionError; }
out.assertThrows = threw;
const s = new stream.PassThrough();
out.instanceOf = s instanceof stream.Readable && s instanceof stream;
class Mine extends stream.Writable {}
out.extends = new Mine() instanceof stream.Writable;
out.keys = Object.keys(fsp).includes("readFile") && "readFile" in fsp;
out.fs = require("node:fs") === require("fs"); // already loaded by Node: the real module
process.stdout.write(JSON.stringify(out));
`;

describe("CLI loader: lazy node: built-ins", () => {
  it("loads a built-in on first use and behaves like the real module", () => {
    const dir = mkdtempSync(join(tmpdir(), "cccc-loader-"));
    dirs.push(dir);
    copyFileSync(CLI, join(dir, "main.cjs"));
    // Like the real bundle, one function expression (scripts/bundle-cli.mjs wraps it).
    const wrapped = `(function (exports, require, module, __filename, __dirname, __ccccImport) {${BUNDLE}})`;
    writeFileSync(join(dir, "cli-bundle.cjs"), wrapped);
    const out = JSON.parse(execFileSync(process.execPath, [join(dir, "main.cjs")], { encoding: "utf8" }));
    expect(out).toEqual({
      before: [],
      spawnSync: "hi",
      afterUse: true,
      assertThrows: true,
      instanceOf: true,
      extends: true,
      keys: true,
      fs: true,
    });
  });
});
