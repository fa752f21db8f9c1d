/** Runtime presets (claude, codex, gemini, opencode, custom) and MCP registration with each agent CLI. */

import { spawn } from "node:child_process";
import { CcccError, ValidationError } from "../kernel/errors.js";
import { type Env, findExecutable } from "./process-group.js";

export const RUNTIME_NAMES = ["claude", "codex", "gemini", "opencode", "custom"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** Key written after a message is typed into the terminal: `\r`, `\n` or nothing. */
export type SubmitKey = "enter" | "newline" | "none";

export interface RuntimePreset {
  name: RuntimeName;
  /** argv used when the actor has no `command`; autonomy flags included. Empty for `custom`. */
  defaultCommand: readonly string[];
  /** `custom` has no default and needs `--command`. */
  requiresCommand: boolean;
  submit: SubmitKey;
  /** The TUI switches bracketed paste on once it accepts input; delivery waits for that (bounded). */
  waitForBracketedPaste: boolean;
}

/** Variables `cccc mcp` needs to know whose tools it serves and where the daemon is. */
export const MCP_IDENTITY_VARS = [
  "CCCC_GROUP_ID",
  "CCCC_ACTOR_ID",
  "CCCC_HOME",
  "CCCC_HOST",
  "CCCC_PORT",
] as const;

/**
 * `-c` overrides defining the "cccc" MCP server for one codex process: `cccc` (first on the actor's
 * PATH), `mcp`, and the identity variables to pass. A complete definition, so codex starts even
 * when `codex mcp add` never ran (an `env_vars` override alone on an unknown server is a config error).
 */
export function codexMcpOverrides(): string[] {
  const vars = MCP_IDENTITY_VARS.map((v) => `"${v}"`).join(",");
  return [
    "-c",
    'mcp_servers.cccc.command="cccc"',
    "-c",
    'mcp_servers.cccc.args=["mcp"]',
    "-c",
    `mcp_servers.cccc.env_vars=[${vars}]`,
  ];
}

export const RUNTIMES: Readonly<Record<RuntimeName, RuntimePreset>> = {
  claude: {
    name: "claude",
    defaultCommand: ["claude", "--dangerously-skip-permissions"],
    requiresCommand: false,
    submit: "enter",
    waitForBracketedPaste: true,
  },
  codex: {
    name: "codex",
    // Codex starts MCP servers with a minimal environment (HOME, PATH, …), so the server is defined
    // here with the CCCC_* identity passed through `env_vars` (docs/runners.md, "Codex and MCP").
    defaultCommand: [
      "codex",
      ...codexMcpOverrides(),
      "--dangerously-bypass-approvals-and-sandbox",
      "--search",
    ],
    requiresCommand: false,
    submit: "enter",
    waitForBracketedPaste: true,
  },
  gemini: {
    name: "gemini",
    defaultCommand: ["gemini", "--yolo"],
    requiresCommand: false,
    submit: "enter",
    waitForBracketedPaste: true,
  },
  opencode: {
    name: "opencode",
    defaultCommand: ["opencode"],
    requiresCommand: false,
    submit: "enter",
    waitForBracketedPaste: true,
  },
  custom: {
    name: "custom",
    defaultCommand: [],
    requiresCommand: true,
    submit: "enter",
    waitForBracketedPaste: false,
  },
};

export function isRuntimeName(value: string): value is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(value);
}

export function runtimePreset(runtime: string): RuntimePreset {
  if (!isRuntimeName(runtime)) {
    throw new ValidationError(
      "invalid_runtime",
      `Unknown runtime "${runtime}"; use one of ${RUNTIME_NAMES.join(", ")}.`,
    );
  }
  return RUNTIMES[runtime];
}

/** The argv to launch: the actor's own command if set, else the runtime default. */
export function resolveCommand(runtime: string, command?: readonly string[] | null): string[] {
  const preset = runtimePreset(runtime);
  if (command && command.length > 0) return [...command];
  if (preset.requiresCommand) {
    throw new ValidationError(
      "missing_command",
      `Runtime "${runtime}" has no default command; pass --command "<program and args>".`,
    );
  }
  return [...preset.defaultCommand];
}

/**
 * The agent CLI's own command that registers `<ccccBin> mcp` as the user-wide MCP server "cccc",
 * or null when the runtime has no such command (opencode's `mcp add` is interactive; custom is unknown).
 * Identity is not baked in: `cccc mcp` reads CCCC_GROUP_ID / CCCC_ACTOR_ID from its environment.
 */
export function mcpRegistration(runtime: string, ccccBin: string): string[] | null {
  switch (runtimePreset(runtime).name) {
    case "claude":
      return ["claude", "mcp", "add", "-s", "user", "cccc", "--", ccccBin, "mcp"];
    case "codex":
      return ["codex", "mcp", "add", "cccc", "--", ccccBin, "mcp"];
    case "gemini":
      return ["gemini", "mcp", "add", "-s", "user", "cccc", ccccBin, "mcp"];
    case "opencode":
    case "custom":
      return null;
  }
}

export interface RegisterMcpResult {
  argv: string[] | null;
  status: "registered" | "already_registered" | "dry_run" | "not_supported";
  output: string;
}

export interface RegisterMcpOptions {
  dryRun?: boolean;
  env?: Env;
  cwd?: string;
  timeoutMs?: number;
}

const ALREADY_EXISTS = /already (exists|registered|configured)/i;

/** Runs `mcpRegistration(...)`. An existing "cccc" entry counts as success. */
export async function registerMcp(
  runtime: string,
  ccccBin: string,
  opts: RegisterMcpOptions = {},
): Promise<RegisterMcpResult> {
  const argv = mcpRegistration(runtime, ccccBin);
  if (!argv) return { argv, status: "not_supported", output: "" };
  if (opts.dryRun) return { argv, status: "dry_run", output: "" };
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const [file, ...args] = argv as [string, ...string[]];
  if (!findExecutable(file, env, cwd)) {
    throw new CcccError(
      "runtime_not_installed",
      `"${file}" is not installed or not on PATH; install the ${runtime} CLI, then run: ${argv.join(" ")}`,
      400,
      { argv },
    );
  }
  const { code, output } = await run(file, args, env, cwd, opts.timeoutMs ?? 60_000);
  if (code === 0) return { argv, status: "registered", output };
  if (ALREADY_EXISTS.test(output)) return { argv, status: "already_registered", output };
  throw new CcccError(
    "mcp_registration_failed",
    `"${argv.join(" ")}" failed (exit ${code ?? "killed"}): ${output.trim().slice(-500)}`,
    500,
    { argv },
  );
}

function run(
  file: string,
  args: string[],
  env: Env,
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(file, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("error", (err) =>
      rejectRun(new CcccError("spawn_failed", `Could not run ${file}: ${err.message}`)),
    );
    child.once("close", (code) => resolveRun({ code, output }));
  });
}
