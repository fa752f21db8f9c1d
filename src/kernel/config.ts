import { parseDocument } from "yaml";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { readFileIfExists, writeFileAtomic } from "./fs-util.js";
import { LIMITS, PERMISSION_MODES, RUNNERS, RUNTIMES, type RunnerName, recordOf, text } from "./limits.js";

/** group.yaml schema. Unknown keys are kept on rewrite (loose objects). */

// The limits and enums are shared with the HTTP API's wire contract (src/contract/), so they live in
// a file with no Node imports; re-exported here for the kernel's own users.
export {
  LIMITS,
  PERMISSION_MODES,
  type PermissionMode,
  RUNNERS,
  RUNTIMES,
  type RunnerName,
  type Runtime,
  recordOf,
  text,
} from "./limits.js";

/** Runtimes with a structured session: Claude Code (stream-json) and Codex (`codex app-server`). */
export const STRUCTURED_RUNTIMES: readonly string[] = ["claude", "codex"];

/**
 * The runner of a NEW actor when none is given: Claude Code and Codex run as structured sessions;
 * every other runtime in a terminal. Existing actors keep the runner in group.yaml.
 */
export function defaultRunnerFor(runtime: string): RunnerName {
  return STRUCTURED_RUNTIMES.includes(runtime) ? "structured" : "pty";
}

/** Default `approval_timeout` (seconds): an undecided request is denied after 10 minutes. */
export const DEFAULT_APPROVAL_TIMEOUT_S = 600;

export const ActorConfigSchema = z.looseObject({
  id: text(LIMITS.actorId),
  title: text(LIMITS.actorTitle).default(""),
  runtime: z.enum(RUNTIMES),
  runner: z.enum(RUNNERS).default("pty"),
  command: z
    .array(text(LIMITS.commandArg))
    .max(LIMITS.commandArgs, `has too many arguments (the limit is ${LIMITS.commandArgs})`)
    .default([]),
  env: recordOf(text(LIMITS.envValue), LIMITS.envEntries).default({}),
  enabled: z.boolean().default(false),
  created_at: z.string().default(""),
  /** Absent means `bypass` (docs/approvals.md). */
  permissions: z.enum(PERMISSION_MODES).optional(),
});
export type ActorConfig = z.infer<typeof ActorConfigSchema>;

export const ImFilesSchema = z.looseObject({
  enabled: z.boolean().default(true),
  max_mb: z.number().positive().max(100).default(20),
});

/**
 * `im.board`: how long and how often the /status team board card updates itself (docs/im-bridge.md
 * "Team board"). A neutral key like the others here; the IM layer (src/im/board.ts) turns it into
 * timings. It lives in the kernel because group.yaml is checked here, and the kernel imports nothing
 * from the layers above it (docs/architecture.md "Layers").
 */
export const ImBoardSchema = z.looseObject({
  /** How long a board keeps updating itself after /status (0: a card that never updates). */
  live_minutes: z.number().min(0).max(60).default(10),
  /** How often the board is rendered again (updated only on change). */
  refresh_seconds: z.number().min(1).max(60).default(3),
});
export type ImBoard = z.infer<typeof ImBoardSchema>;

/**
 * The platform-neutral keys of `im:`. Each platform's own keys (credential variable names, allowed
 * users, …) are checked by its module's strict schema when the IM layer reads the block
 * (src/im/registry.ts `parseIm`); unknown keys are kept here.
 */
export const ImConfigSchema = z.looseObject({
  platform: text(LIMITS.token).min(1),
  enabled: z.boolean().default(false),
  mode: z.enum(["stream", "http"]).default("stream"),
  files: ImFilesSchema.default({ enabled: true, max_mb: 20 }),
  /** Language of everything the bot says in chats (replies, notes, button titles). */
  language: z.enum(["en", "zh"]).default("en"),
  /** Live reply cards (the platform's updatable cards) for streamed replies; `off`: messages only. */
  cards: z.enum(["on", "off"]).default("on"),
  /** "Working" indicator for actors without a live stream: the 🤔 reaction, or a small card. */
  working: z.enum(["reaction", "card"]).default("reaction"),
  /** The /status team board card: how long and how often it updates itself (docs/im-bridge.md). */
  board: ImBoardSchema.optional(),
});
export type ImConfig = z.infer<typeof ImConfigSchema>;

export const GroupConfigSchema = z.looseObject({
  v: z.literal(1).default(1),
  group_id: z.string().regex(/^g_[0-9a-f]{12}$/, "expected g_ followed by 12 hex digits"),
  title: text(LIMITS.groupTitle).min(1),
  created_at: z.string().default(""),
  updated_at: z.string().default(""),
  running: z.boolean().default(false),
  state: z.enum(["active", "idle", "paused", "stopped"]).default("active"),
  scopes: z
    .array(z.looseObject({ url: text(LIMITS.path), label: text(LIMITS.scopeLabel).default("") }))
    .default([]),
  actors: z.array(ActorConfigSchema).default([]),
  im: ImConfigSchema.nullish(),
  /** Seconds an approval request waits for a decision before it is denied (default 600). */
  approval_timeout: z.number().positive().max(86_400).optional(),
});
export type GroupConfig = z.infer<typeof GroupConfigSchema>;

function keyPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** Validate parsed YAML; the error names the file and the first bad key. */
export function parseGroupConfig(raw: unknown, file: string): GroupConfig {
  const result = GroupConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue ? keyPath(issue.path) || "(top level)" : "(top level)";
  const message = issue?.message ?? "invalid";
  throw new ConfigError(`${file}: key "${key}": ${message}. Fix that key in the file, then retry.`, {
    file,
    key,
  });
}

export async function loadGroupConfig(file: string): Promise<GroupConfig | undefined> {
  const text = await readFileIfExists(file);
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new ConfigError(
      `${file}: not valid YAML (${first?.message.split("\n")[0]}). Fix the file, then retry.`,
      {
        file,
      },
    );
  }
  return parseGroupConfig(doc.toJSON(), file);
}

export async function saveGroupConfig(file: string, config: GroupConfig): Promise<void> {
  const { stringify } = await import("yaml");
  await writeFileAtomic(file, stringify(config, { lineWidth: 0 }));
}
