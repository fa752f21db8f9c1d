import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

// main.ts registers only the command group named in argv; help and unknown commands get them all.
describe("CLI command registration", () => {
  it("--help still lists every command", async () => {
    const r = await runCli(["--help"], {});
    expect(r.code).toBe(0);
    for (const name of [
      "daemon",
      "group",
      "actor",
      "approval",
      "send",
      "reply",
      "inbox",
      "tail",
      "im",
      "mcp",
      "setup",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
    }
  });

  it("finds the command past the global options", async () => {
    for (const args of [
      ["-p", "9", "group", "--help"],
      ["--port=9", "group", "--help"],
      ["--host", "127.0.0.1", "group", "--help"],
    ]) {
      const r = await runCli(args, {});
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toContain("Usage: cccc group");
    }
  });

  it("an unknown command is still an error", async () => {
    const r = await runCli(["grop", "list"], {});
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("error: too many arguments");
  });
});
