/**
 * A copy of the built package as `npm pack` ships it (package.json and what its `files` lists) in a
 * temporary directory, with no node_modules: what runs there needs no dependency, dev or not.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../..");

export interface PackageCopy {
  root: string;
  /** The copy's `cccc` bin. */
  bin: string;
  cleanup(): void;
}

export function packageCopy(): PackageCopy {
  const root = mkdtempSync(join(tmpdir(), "cccc-package-"));
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
    files: string[];
    bin: Record<string, string>;
  };
  writeFileSync(join(root, "package.json"), JSON.stringify(pkg, null, 2));
  for (const entry of pkg.files) {
    if (existsSync(join(REPO, entry))) cpSync(join(REPO, entry), join(root, entry), { recursive: true });
  }
  return {
    root,
    bin: join(root, pkg.bin.cccc ?? "dist/src/cli/main.cjs"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
