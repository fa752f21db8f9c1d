import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DAEMON_NODE_FLAGS } from "../../src/client/daemon-launch.js";
import { CLI } from "../support/cli.js";

// The `cccc` bin runs the bundle through vm.Script with a V8 code cache (scripts/cli-loader.cjs).
// A copy of the bin and bundle in a temp package, so the cache there can be removed or corrupted.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copyCli(): { bin: string; bundle: string; cache: string } {
  const root = mkdtempSync(join(tmpdir(), "cccc-code-cache-"));
  dirs.push(root);
  const pkg = JSON.parse(readFileSync(join(dirname(CLI), "../../../package.json"), "utf8"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "cccc", version: pkg.version }));
  const cli = join(root, "dist", "src", "cli");
  mkdirSync(cli, { recursive: true });
  copyFileSync(CLI, join(cli, "main.cjs"));
  copyFileSync(join(dirname(CLI), "cli-bundle.cjs"), join(cli, "cli-bundle.cjs"));
  return {
    bin: join(cli, "main.cjs"),
    bundle: join(cli, "cli-bundle.cjs"),
    cache: join(cli, "cli-bundle.cjs.v8cache"),
  };
}

function version(bin: string): string {
  return execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8", timeout: 20_000 }).trim();
}

/** Whether V8 accepts the cache: the loader rewrites it only when it is missing or rejected. */
function accepted(bin: string, cache: string): boolean {
  const before = readFileSync(cache);
  expect(version(bin)).toMatch(/^\d+\.\d+\.\d+/);
  return readFileSync(cache).equals(before);
}

describe("CLI code cache", () => {
  it("npm run build ships a cache V8 accepts", () => {
    const { bin, cache } = copyCli();
    copyFileSync(join(dirname(CLI), "cli-bundle.cjs.v8cache"), cache);
    expect(accepted(bin, cache)).toBe(true);
  });

  it("rewrites a cache V8 rejects (another bundle)", () => {
    const { bin, cache } = copyCli();
    writeFileSync(
      join(dirname(cache), "cli-bundle.cjs"),
      `${readFileSync(join(dirname(CLI), "cli-bundle.cjs"), "utf8")}\n// changed\n`,
    );
    copyFileSync(join(dirname(CLI), "cli-bundle.cjs.v8cache"), cache);
    expect(accepted(bin, cache)).toBe(false);
    expect(accepted(bin, cache)).toBe(true);
  });

  it("writes the cache when it is missing, and the command still works", () => {
    const { bin, cache } = copyCli();
    expect(existsSync(cache)).toBe(false);
    expect(version(bin)).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(cache)).toBe(true);
    expect(accepted(bin, cache)).toBe(true);
  });

  it("replaces a corrupt cache instead of failing", () => {
    const { bin, cache } = copyCli();
    writeFileSync(cache, "not a V8 code cache");
    expect(version(bin)).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(cache)).toBe(true);
    expect(accepted(bin, cache)).toBe(true);
  });

  it("a process started with Node flags (the daemon's) leaves the cache alone", () => {
    // Otherwise the daemon and the next plain command reject each other's cache and each recompiles.
    const { bin, cache } = copyCli();
    copyFileSync(join(dirname(CLI), "cli-bundle.cjs.v8cache"), cache);
    const before = readFileSync(cache);
    const out = execFileSync(process.execPath, [...DAEMON_NODE_FLAGS, bin, "--version"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(readFileSync(cache).equals(before)).toBe(true);
    expect(accepted(bin, cache)).toBe(true);
  });
});
