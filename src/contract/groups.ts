/** Groups and actors: `/api/v1/groups…` (docs/api.md). */
import { z } from "zod";
import { LIMITS, PERMISSION_MODES, RUNNERS, RUNTIMES, recordOf, text } from "../kernel/limits.js";

export const GroupSummary = z.strictObject({
  group_id: z.string(),
  title: z.string(),
  /** `active`, `idle`, `paused`, `stopped`, or `broken` for a group whose files do not load. */
  state: z.string(),
  running: z.boolean(),
  actors: z.number().int(),
  im: z.strictObject({ platform: z.string(), enabled: z.boolean() }).nullable(),
  /** Only on a broken group: why its files do not load. */
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
export type GroupSummary = z.infer<typeof GroupSummary>;

export const ActorStatus = z.enum(["running", "stopped", "exited", "crashed"]);
export type ActorStatus = z.infer<typeof ActorStatus>;

/** A running actor that needs a human: a dialog on screen, no input prompt, no reaction to delivery. */
export const ActorAttention = z.strictObject({
  /** `dialog:<dialog code>`, `not_ready` or `unacknowledged`. */
  code: z.string(),
  message: z.string(),
  /** Epoch ms since when, if known. */
  since: z.number().optional(),
  /** The last non-empty lines of the visible screen. */
  screen: z.array(z.string()),
});

export const ActorInfo = z.strictObject({
  id: z.string(),
  title: z.string(),
  runtime: z.enum(RUNTIMES),
  runner: z.enum(RUNNERS),
  command: z.array(z.string()),
  /** `bypass` (the default) or `ask`: a person approves each risky tool call (docs/approvals.md). */
  permissions: z.enum(PERMISSION_MODES),
  role: z.enum(["foreman", "peer"]),
  enabled: z.boolean(),
  /** `exited`: ended by itself with code 0; `crashed`: a non-zero code or a signal. */
  status: ActorStatus,
  pid: z.number().int().optional(),
  exit_code: z.number().int().nullable().optional(),
  unread: z.number().int(),
  attention: ActorAttention.optional(),
});
export type ActorInfo = z.infer<typeof ActorInfo>;

export const CreateGroupBody = z.object({
  title: text(LIMITS.groupTitle).trim().min(1),
  scope: text(LIMITS.path).optional(),
});

export const AddActorBody = z.object({
  id: text(LIMITS.actorId).min(1),
  runtime: z.enum(RUNTIMES),
  /** Absent: the runtime's default (structured for claude, pty for the others). */
  runner: z.enum(RUNNERS).optional(),
  /** An argv array, or one string split like a shell would (quotes group words). */
  command: z
    .union([
      z
        .array(text(LIMITS.commandArg))
        .max(LIMITS.commandArgs, `has too many arguments (the limit is ${LIMITS.commandArgs})`),
      text(LIMITS.commandArg),
    ])
    .optional(),
  title: text(LIMITS.actorTitle).optional(),
  /** `ask` needs runtime claude or codex with the structured runner (`permissions_unsupported` otherwise). */
  permissions: z.enum(PERMISSION_MODES).optional(),
  /** Plain variables (group.yaml). */
  env: recordOf(text(LIMITS.envValue), LIMITS.envEntries).optional(),
  /** Secret variables (0600 secrets store; never sent back). */
  secret_env: recordOf(text(LIMITS.envValue), LIMITS.envEntries).optional(),
});

/** `PATCH …/actors/:aid`: what is given changes; a running actor restarts so the change holds. */
export const UpdateActorBody = z.object({
  title: text(LIMITS.actorTitle).optional(),
  permissions: z.enum(PERMISSION_MODES).optional(),
});

export const GroupsResponse = z.strictObject({ groups: z.array(GroupSummary) });
export const GroupResponse = z.strictObject({ group: GroupSummary });
export const GroupDetailResponse = z.strictObject({ group: GroupSummary, actors: z.array(ActorInfo) });
export const ActorsResponse = z.strictObject({ actors: z.array(ActorInfo) });
export const ActorResponse = z.strictObject({ actor: ActorInfo });
export const InterruptResponse = z.strictObject({ actor_id: z.string(), interrupted: z.boolean() });
export const TerminalTextResponse = z.strictObject({ text: z.string() });

/** One of an actor's own variables; a secret comes back without its value. */
export const ActorEnvEntry = z.strictObject({
  key: z.string(),
  secret: z.boolean(),
  value: z.string().optional(),
});

/** `restart_needed`: the actor runs with an older environment; a restart applies the changes. */
export const ActorEnvView = z.strictObject({
  env: z.array(ActorEnvEntry),
  restart_needed: z.boolean(),
});
export type ActorEnvView = z.infer<typeof ActorEnvView>;

export const SetEnvBody = z.object({ value: z.string(), secret: z.boolean().optional() });
