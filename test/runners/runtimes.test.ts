import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  isRuntimeName,
  mcpRegistration,
  RUNTIMES,
  registerMcp,
  resolveCommand,
} from "../../src/runners/runtimes.js";
import { tempDir } from "./helpers.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

/** A stand-in agent CLI on PATH that records its argv and behaves as told. */
function fakeCli(name: string, script: string): Record<string, string> {
  const path = join(dir.path, name);
  writeFileSync(path, `#!/bin/sh\necho "$@" >> "${dir.path}/${name}.args"\n${script}\n`, { mode: 0o755 });
  return { PATH: `${dir.path}:/usr/bin:/bin` };
}

describe("runtime presets", () => {
  it("resolves default and custom commands", () => {
    expect(resolveCommand("claude")).toEqual(["claude", "--dangerously-skip-permissions"]);
    expect(resolveCommand("codex")[0]).toBe("codex");
    // Codex gives MCP servers a minimal environment: the default command passes the identity on.
    expect(resolveCommand("codex")).toContain(
      'mcp_servers.cccc.env_vars=["CCCC_GROUP_ID","CCCC_ACTOR_ID","CCCC_HOME","CCCC_HOST","CCCC_PORT"]',
    );
    expect(resolveCommand("gemini")).toEqual(["gemini", "--yolo"]);
    expect(resolveCommand("opencode")).toEqual(["opencode"]);
    expect(resolveCommand("claude", ["claude", "--model", "opus"])).toEqual(["claude", "--model", "opus"]);
    expect(resolveCommand("custom", ["bash"])).toEqual(["bash"]);
    expect(() => resolveCommand("custom")).toThrow(expect.objectContaining({ code: "missing_command" }));
    expect(() => resolveCommand("copilot")).toThrow(expect.objectContaining({ code: "invalid_runtime" }));
    expect(isRuntimeName("gemini")).toBe(true);
    expect(RUNTIMES.custom.requiresCommand).toBe(true);
  });

  it("builds each CLI's MCP registration command", () => {
    const bin = "/opt/cccc/bin/cccc";
    expect(mcpRegistration("claude", bin)).toEqual([
      "claude",
      "mcp",
      "add",
      "-s",
      "user",
      "cccc",
      "--",
      bin,
      "mcp",
    ]);
    expect(mcpRegistration("codex", bin)).toEqual(["codex", "mcp", "add", "cccc", "--", bin, "mcp"]);
    expect(mcpRegistration("gemini", bin)).toEqual([
      "gemini",
      "mcp",
      "add",
      "-s",
      "user",
      "cccc",
      bin,
      "mcp",
    ]);
    expect(mcpRegistration("opencode", bin)).toBeNull();
    expect(mcpRegistration("custom", bin)).toBeNull();
  });
});

describe("registerMcp", () => {
  it("runs the agent CLI", async () => {
    const env = fakeCli("claude", "exit 0");
    const result = await registerMcp("claude", "/x/cccc", { env, cwd: dir.path });
    expect(result.status).toBe("registered");
    expect(readFileSync(join(dir.path, "claude.args"), "utf8").trim()).toBe(
      "mcp add -s user cccc -- /x/cccc mcp",
    );
  });

  it("treats an existing registration as success and reports other failures", async () => {
    const env = fakeCli("codex", 'echo "Error: MCP server cccc already exists" >&2; exit 1');
    expect((await registerMcp("codex", "/x/cccc", { env, cwd: dir.path })).status).toBe("already_registered");
    const env2 = fakeCli("gemini", 'echo "boom" >&2; exit 2');
    await expect(registerMcp("gemini", "/x/cccc", { env: env2, cwd: dir.path })).rejects.toMatchObject({
      code: "mcp_registration_failed",
    });
  });

  it("explains a missing CLI, and supports dry runs and unsupported runtimes", async () => {
    const env = { PATH: dir.path };
    await expect(registerMcp("claude", "/x/cccc", { env })).rejects.toMatchObject({
      code: "runtime_not_installed",
      message: expect.stringContaining("claude mcp add -s user cccc -- /x/cccc mcp"),
    });
    expect(await registerMcp("claude", "/x/cccc", { env, dryRun: true })).toMatchObject({
      status: "dry_run",
    });
    expect(await registerMcp("custom", "/x/cccc", { env })).toMatchObject({
      status: "not_supported",
      argv: null,
    });
  });
});
