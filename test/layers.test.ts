/**
 * The layers of docs/architecture.md ("Layers") hold: every import in `src/` and `web/src/` (static,
 * `import type`, re-exports and dynamic `import()`) goes to the same layer or one the layer may use.
 * Imports are read with TypeScript's own pre-processor, so comments and strings are not imports.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { PLATFORMS } from "../src/im/platforms.js";

const ROOT = join(import.meta.dirname, "..");

/**
 * Which layers each layer may import (its own is always allowed). kernel ← im ← daemon ← cli/web,
 * with the parts the drawing groups: runners (the actors' processes) and the wire contract sit on
 * the kernel beside im; the HTTP client and the MCP server are clients of the daemon's API;
 * `shared` is `src/version.ts` (the package's version and paths, imports nothing of ours).
 */
const MAY_USE: Record<string, readonly string[]> = {
  shared: [],
  kernel: ["shared"],
  im: ["kernel", "shared"],
  runners: ["kernel", "shared"],
  contract: ["kernel", "shared"],
  daemon: ["im", "runners", "contract", "kernel", "shared"],
  client: ["contract", "kernel", "shared"],
  mcp: ["client", "contract", "kernel", "shared"],
  cli: ["daemon", "mcp", "client", "im", "runners", "contract", "kernel", "shared"],
  web: ["daemon", "contract", "kernel"],
};

/** The layer of a repository path, or undefined outside `src/` and `web/src/`. */
function layerOf(path: string): string | undefined {
  const p = path.split("\\").join("/");
  if (p.startsWith("web/src/")) return "web";
  const m = /^src\/([^/]+)(\/)?/.exec(p);
  if (!m?.[1]) return undefined;
  if (!m[2]) return "shared"; // a file directly in src/
  return m[1];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** Repository paths a file imports (relative specifiers only; packages and `node:` are not ours). */
function importsOf(file: string, text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => relative(ROOT, resolve(dirname(join(ROOT, file)), spec)));
}

/** `file: import → target (layer → layer)` for each import a layer may not make. */
function upwardImports(files: Array<{ file: string; text: string }>): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    const from = layerOf(file);
    if (!from) continue;
    for (const target of importsOf(file, text)) {
      const to = layerOf(target);
      if (!to || to === from || MAY_USE[from]?.includes(to)) continue;
      out.push(`${file} imports ${target} (${from} → ${to})`);
    }
  }
  return out;
}

const FILES = [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "web/src"))].map((path) => ({
  file: relative(ROOT, path),
  text: readFileSync(path, "utf8"),
}));

describe("layers (docs/architecture.md)", () => {
  it("every directory of src/ is a known layer", () => {
    const layers = new Set(FILES.map((f) => layerOf(f.file)));
    expect([...layers].filter((l) => !l || !(l in MAY_USE))).toEqual([]);
    expect(layers.size).toBe(Object.keys(MAY_USE).length);
  });

  it("no layer imports from a layer above it", () => {
    expect(FILES.length).toBeGreaterThan(200);
    expect(upwardImports(FILES)).toEqual([]);
  });

  it("the IM core imports no platform folder, except the registry line in src/im/platforms.ts", () => {
    const platformDirs = PLATFORMS.ids.map((id) => `src/im/${id}/`);
    expect(platformDirs.length).toBeGreaterThan(0);
    const hits: string[] = [];
    for (const { file, text } of FILES) {
      if (!file.startsWith("src/") || platformDirs.some((d) => file.startsWith(d))) continue;
      for (const target of importsOf(file, text)) {
        if (platformDirs.some((d) => target.startsWith(d))) hits.push(`${file} imports ${target}`);
      }
    }
    expect(hits.filter((h) => !h.startsWith("src/im/platforms.ts "))).toEqual([]);
    expect(hits.length).toBeGreaterThan(0); // the registry line itself is found
  });

  it("finds each kind of upward import (so the scan can fail)", () => {
    const probe = (file: string, text: string) => upwardImports([{ file, text }]);
    expect(probe("src/kernel/x.ts", 'import { B } from "../im/board.js";')).toEqual([
      "src/kernel/x.ts imports src/im/board.js (kernel → im)",
    ]);
    expect(probe("src/kernel/x.ts", 'import type { D } from "../daemon/im.js";')).toHaveLength(1);
    expect(probe("src/im/x.ts", 'export { D } from "../daemon/im.js";')).toHaveLength(1);
    expect(probe("src/im/dingtalk/x.ts", 'const m = await import("../../daemon/im.js");')).toHaveLength(1);
    expect(probe("src/daemon/x.ts", 'import "../cli/main.js";')).toHaveLength(1);
    expect(probe("web/src/x.ts", 'import { I } from "../../src/im/types.ts";')).toHaveLength(1);
    // Downward imports, packages and comments are fine.
    expect(probe("src/im/x.ts", 'import { G } from "../kernel/group.js";\nimport { z } from "zod";')).toEqual(
      [],
    );
    expect(probe("src/kernel/x.ts", '// import { B } from "../im/board.js";')).toEqual([]);
  });
});
