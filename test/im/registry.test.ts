/**
 * The platform registry (docs/architecture.md): the core, daemon, CLI, kernel and Web UI name no
 * platform, and a platform registered from outside them shows up in the CLI flags, the Web UI's
 * field list and config validation.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { imCommands } from "../../src/cli/im.js";
import { withFailure } from "../../src/im/platform.js";
import { PLATFORMS } from "../../src/im/platforms.js";
import { PlatformRegistry } from "../../src/im/registry.js";
import { classifyFailure } from "../../src/im/send-queue.js";
import { echoPlatform } from "./support/test-platform.js";

const ROOT = join(import.meta.dirname, "../..");

function files(dir: string, skip: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (skip(path)) continue;
    if (statSync(path).isDirectory()) out.push(...files(path, skip));
    else if (/\.(ts|tsx|css|html)$/.test(name)) out.push(path);
  }
  return out;
}

/** Every registered platform's folder is its own; everything else under src/im is core. */
const platformDirs = PLATFORMS.ids.map((id) => join(ROOT, "src/im", id));
const NEUTRAL = [
  ...files(join(ROOT, "src/im"), (p) => platformDirs.includes(p)),
  ...["src/daemon", "src/cli", "src/kernel", "web/src"].flatMap((d) => files(join(ROOT, d))),
];

/** Each platform's names: its id, label and native name ("DingTalk (钉钉)" → 钉钉), and the button scheme. */
const NAMES = PLATFORMS.all().flatMap((m) => [
  m.id,
  m.ui.label,
  ...(/\(([^)]+)\)/.exec(m.ui.optionLabel)?.slice(1) ?? []),
]);
const PATTERN = new RegExp(
  [...NAMES, "dtmd"].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"),
  "i",
);

describe("platform registry", () => {
  it("no platform is named in the core, daemon, CLI, kernel or Web UI (only the registry line)", () => {
    expect(NAMES).toEqual(expect.arrayContaining(["dingtalk", "DingTalk", "钉钉"]));
    expect(NEUTRAL.length).toBeGreaterThan(100);
    const hits: string[] = [];
    for (const file of NEUTRAL) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (PATTERN.test(line)) hits.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    // The scan does find names: the registry's own import and line are the only hits.
    expect(hits.filter((h) => !h.startsWith("src/im/platforms.ts:"))).toEqual([]);
    expect(hits.length).toBeGreaterThan(0);
  });

  const registry = new PlatformRegistry([...PLATFORMS.all(), echoPlatform]);

  it("a registered test platform adds its flags to `cccc im set`", () => {
    const program = new Command("cccc");
    imCommands(program, registry);
    const set = program.commands.find((c) => c.name() === "im")?.commands.find((c) => c.name() === "set");
    const flags = set?.options.map((o) => o.long) ?? [];
    expect(flags).toEqual(expect.arrayContaining(["--token-env", "--app-key-env", "--app-secret-env"]));
    // Required by one platform only: commander no longer demands it; the action checks per platform.
    expect(set?.options.find((o) => o.long === "--token-env")?.mandatory).toBe(false);
    expect(program.commands.find((c) => c.name() === "im")?.description()).toContain("Echo Chat");
    // With DingTalk alone, the seed's flags stay mandatory as before.
    const alone = new Command("cccc");
    imCommands(alone, PLATFORMS);
    const seedSet = alone.commands.find((c) => c.name() === "im")?.commands.find((c) => c.name() === "set");
    expect(seedSet?.options.find((o) => o.long === "--app-key-env")?.mandatory).toBe(true);
  });

  it("its form fields are in the Web UI's catalogue, with the group.yaml key of each variable", () => {
    const echo = registry.catalog().find((p) => p.id === "echo");
    expect(echo?.fields.map((f) => f.label)).toEqual(["Echo Token", "Echo Token env"]);
    expect(echo?.fields.find((f) => f.kind === "env")?.configKey).toBe("echo_token_env");
    expect(registry.catalog().map((p) => p.id)).toEqual([...PLATFORMS.ids, "echo"]);
    expect(registry.credentialFields().values).toContain("token");
    expect(registry.credentialFields().envs).toContain("token_env");
    expect(registry.credentialEnvNames(null)).toContain("ECHO_TOKEN");
  });

  it("its strict schema validates `im:`; an unknown platform is refused naming the ones there are", async () => {
    const ok = await registry.parseIm({ platform: "echo", echo_token_env: "MY_TOKEN" });
    expect(ok).toMatchObject({
      platform: "echo",
      echo_token_env: "MY_TOKEN",
      mode: "stream",
      enabled: false,
    });
    await expect(
      registry.parseIm({ platform: "echo", echo_token_env: "not a name" }, "g.yaml"),
    ).rejects.toThrow(/g\.yaml: im\.echo_token_env: must be a variable name/);
    await expect(registry.parseIm({ platform: "echo", echo_token: "s3cr3t" })).rejects.toThrow(
      /im\.echo_token/,
    );
    await expect(registry.parseIm({ platform: "slack" })).rejects.toThrow(
      /unsupported platform "slack": use dingtalk, echo/,
    );
    // DingTalk's strict schema is the one production reads: a secret value in group.yaml is refused.
    await expect(PLATFORMS.parseIm({ platform: "dingtalk", dingtalk_app_secret: "s3cr3t" })).rejects.toThrow(
      /im\.dingtalk_app_secret: secret values are not allowed/,
    );
    expect(() => registry.require("slack")).toThrow('Unsupported platform "slack": use dingtalk, echo.');
  });

  it("the core classifies failures by the class an adapter marks, not by platform codes", () => {
    const throttled = Object.assign(new Error("slow"), { code: "echo_slow_down" });
    expect(classifyFailure(throttled)).toBe("fatal");
    expect(classifyFailure(withFailure(throttled, echoPlatform.classifyError(throttled)))).toBe("retry");
    const gone = Object.assign(new Error("gone"), { code: "dingtalk_chat_gone" });
    expect(classifyFailure(gone)).toBe("fatal");
    const dingtalk = PLATFORMS.get("dingtalk");
    expect(classifyFailure(withFailure(gone, dingtalk?.classifyError(gone)))).toBe("gone");
    expect(classifyFailure(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe("retry");
  });
});
