/**
 * The real agent CLIs for end-to-end tests: installed (pinned, cached outside the clone) by
 * scripts/install-agent-clis.sh, and a throwaway HOME holding the first-run answers each CLI asks for.
 * If a CLI cannot be installed the test FAILS with the reason (see docs/runners.md, "Real-CLI tests").
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";

export type AgentCliName = "claude" | "codex";

/** Repository root, from `test/support/` (vitest) or `dist/test/support/` (compiled, for bench/). */
const ROOT = resolve(
  import.meta.dirname,
  import.meta.dirname.includes(`${sep}dist${sep}`) ? "../../.." : "../..",
);
const SCRIPT = join(ROOT, "scripts", "install-agent-clis.sh");

export function agentClisCache(): string {
  return process.env.CCCC_AGENT_CLIS ?? join(homedir(), ".cache", "cccc", "agent-clis");
}

/** Path of the pinned CLI's executable, installing it first if the cache lacks it. Throws with the reason. */
export function ensureAgentCli(name: AgentCliName): string {
  const run = spawnSync("bash", [SCRIPT, name], { encoding: "utf8", timeout: 15 * 60_000 });
  let status = "";
  try {
    status = readFileSync(join(agentClisCache(), "status.txt"), "utf8");
  } catch {
    // Reported below with the script's own output.
  }
  const line = status.split("\n").find((l) => l.split(" ")[1] === name);
  if (run.status === 0 && line?.startsWith("ok ")) return line.split(" ").slice(2).join(" ");
  throw new Error(
    `REAL-CLI TEST COULD NOT RUN: the pinned ${name} CLI is not installed. ` +
      `${line ?? "scripts/install-agent-clis.sh wrote no status"}\n${run.stdout ?? ""}${run.stderr ?? ""}` +
      `\nFix the npm registry access (or set CCCC_AGENT_CLIS to a populated cache) and run scripts/install-agent-clis.sh.`,
  );
}

export interface AgentHome {
  home: string;
  /** The project directory the actor runs in (trusted in the CLI's config unless asked otherwise). */
  project: string;
}

function freshHome(): AgentHome {
  const home = mkdtempSync(join(tmpdir(), "cccc-agent-home-"));
  const project = join(home, "project");
  mkdirSync(project);
  return { home, project };
}

export interface ClaudeHomeOptions {
  apiKey: string;
  /** Leave out the folder-trust answer, so claude asks (the stuck-actor test). */
  untrusted?: boolean;
}

/** ~/.claude.json with the answers a user gives once: onboarding, folder trust, the API key, bypass mode. */
export function claudeHome(opts: ClaudeHomeOptions): AgentHome {
  const h = freshHome();
  const config = {
    hasCompletedOnboarding: true,
    bypassPermissionsModeAccepted: true,
    customApiKeyResponses: { approved: [opts.apiKey.slice(-20)], rejected: [] },
    projects: opts.untrusted ? {} : { [h.project]: { hasTrustDialogAccepted: true } },
  };
  writeFileSync(join(h.home, ".claude.json"), JSON.stringify(config, null, 2));
  mkdirSync(join(h.home, ".claude"));
  writeFileSync(
    join(h.home, ".claude", "settings.json"),
    JSON.stringify({ skipDangerousModePermissionPrompt: true }),
  );
  return h;
}

/** Environment for a claude actor talking to `modelUrl`. As root, claude needs IS_SANDBOX=1 for bypass mode. */
export function claudeEnv(bin: string, h: AgentHome, modelUrl: string, apiKey: string): NodeJS.ProcessEnv {
  return {
    HOME: h.home,
    PATH: `${resolve(bin, "..")}:${process.env.PATH ?? ""}`,
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: apiKey,
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    ...(process.getuid?.() === 0 ? { IS_SANDBOX: "1" } : {}),
  };
}

// Not CCCC_*: the actor environment drops CCCC internals it does not need.
export const CODEX_KEY_VAR = "FAKE_MODEL_API_KEY";

/** ~/.codex/config.toml: the fake model as provider, the project trusted, no update check. */
export function codexHome(modelUrl: string): AgentHome {
  const h = freshHome();
  mkdirSync(join(h.home, ".codex"));
  const toml = [
    'model = "fake-model"',
    'model_provider = "fake"',
    "check_for_update_on_startup = false",
    "",
    "[model_providers.fake]",
    'name = "fake"',
    `base_url = "${modelUrl}/v1"`,
    'wire_api = "responses"',
    `env_key = "${CODEX_KEY_VAR}"`,
    "",
    `[projects."${h.project}"]`,
    'trust_level = "trusted"',
    "",
  ].join("\n");
  writeFileSync(join(h.home, ".codex", "config.toml"), toml);
  return h;
}

export function codexEnv(bin: string, h: AgentHome): NodeJS.ProcessEnv {
  return {
    HOME: h.home,
    PATH: `${resolve(bin, "..")}:${process.env.PATH ?? ""}`,
    [CODEX_KEY_VAR]: "sk-fake-codex",
  };
}

/** The API key every claude actor in the tests uses (the fake model accepts any). */
export const FAKE_ANTHROPIC_KEY = "sk-ant-fake-0123456789abcdefghijklmnop";

/**
 * The `setup` of startRealAgentWorld for `runtime`: the pinned CLI (installed once), then, once the
 * fake model's address is known, a fresh HOME answering the CLI's first-run questions and its env.
 */
export function agentSetup(
  runtime: AgentCliName,
  claude: Omit<ClaudeHomeOptions, "apiKey"> = {},
): (modelUrl: string) => { home: AgentHome; env: NodeJS.ProcessEnv } {
  const bin = ensureAgentCli(runtime);
  return (modelUrl) => {
    if (runtime === "codex") {
      const home = codexHome(modelUrl);
      return { home, env: codexEnv(bin, home) };
    }
    const home = claudeHome({ ...claude, apiKey: FAKE_ANTHROPIC_KEY });
    return { home, env: claudeEnv(bin, home, modelUrl, FAKE_ANTHROPIC_KEY) };
  };
}
