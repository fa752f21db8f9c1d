import type { FastifyInstance } from "fastify";
import { z } from "zod";
import {
  defaultRunnerFor,
  LIMITS,
  PERMISSION_MODES,
  RUNNERS,
  RUNTIMES,
  recordOf,
  text,
} from "../kernel/config.js";
import { ValidationError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import { summarize } from "../kernel/kernel.js";
import { validateEnvEntry } from "./actor-env.js";
import type { DaemonContext } from "./context.js";
import { parse } from "./errors.js";

type GroupParams = { gid: string };
type ActorParams = { gid: string; aid: string };

export function actorInfo(ctx: DaemonContext, group: Group) {
  const foreman = group.foreman()?.id;
  return group.config.actors.map((a) => ({
    id: a.id,
    title: a.title,
    runtime: a.runtime,
    runner: a.runner,
    command: a.command,
    permissions: a.permissions ?? "bypass",
    role: a.id === foreman ? "foreman" : "peer",
    enabled: a.enabled,
    unread: group.inbox.count(a.id),
    ...ctx.actors.status(group, a.id),
  }));
}

const CreateGroup = z.object({
  title: text(LIMITS.groupTitle).trim().min(1),
  scope: text(LIMITS.path).optional(),
});
const AddActor = z.object({
  id: text(LIMITS.actorId).min(1),
  runtime: z.enum(RUNTIMES),
  runner: z.enum(RUNNERS).optional(),
  command: z
    .union([
      z
        .array(text(LIMITS.commandArg))
        .max(LIMITS.commandArgs, `has too many arguments (the limit is ${LIMITS.commandArgs})`),
      text(LIMITS.commandArg),
    ])
    .optional(),
  title: text(LIMITS.actorTitle).optional(),
  permissions: z.enum(PERMISSION_MODES).optional(),
  /** Plain variables (group.yaml) and secrets (0600 store, never returned). */
  env: recordOf(text(LIMITS.envValue), LIMITS.envEntries).optional(),
  secret_env: recordOf(text(LIMITS.envValue), LIMITS.envEntries).optional(),
});

const UpdateActor = z.object({
  title: text(LIMITS.actorTitle).optional(),
  permissions: z.enum(PERMISSION_MODES).optional(),
});

/** `ask` needs an approval interface CCCC can answer: Claude Code's structured session (docs/approvals.md). */
function checkPermissions(runtime: string, runner: string, permissions: string | undefined): void {
  if (permissions !== "ask" || (runtime === "claude" && runner === "structured")) return;
  throw new ValidationError(
    "permissions_unsupported",
    `Permission mode "ask" needs --runtime claude with the structured runner (this actor: ${runtime}, ${runner}). Codex and terminal actors run in bypass mode; see docs/approvals.md.`,
  );
}

function splitCommand(command: string | string[] | undefined): string[] | undefined {
  if (command === undefined || Array.isArray(command)) return command;
  return command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)?.map((p) => p.replace(/^(["'])(.*)\1$/, "$2")) ?? [];
}

export function groupRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const { kernel } = ctx;

  app.get("/api/v1/groups", async () => ({ groups: kernel.summaries() }));

  app.post("/api/v1/groups", async (req) => {
    const body = parse(CreateGroup, req.body);
    const group = await kernel.createGroup(body);
    return { group: summarize(group) };
  });

  app.get<{ Params: GroupParams }>("/api/v1/groups/:gid", async (req) => {
    const group = kernel.group(req.params.gid);
    return { group: summarize(group), actors: actorInfo(ctx, group) };
  });

  app.post<{ Params: GroupParams }>("/api/v1/groups/:gid/start", async (req) => {
    const group = kernel.group(req.params.gid);
    await ctx.actors.startGroup(group);
    return { group: summarize(group), actors: actorInfo(ctx, group) };
  });

  app.post<{ Params: GroupParams }>("/api/v1/groups/:gid/stop", async (req) => {
    const group = kernel.group(req.params.gid);
    await ctx.actors.stopGroup(group);
    return { group: summarize(group), actors: actorInfo(ctx, group) };
  });

  app.get<{ Params: GroupParams }>("/api/v1/groups/:gid/actors", async (req) => ({
    actors: actorInfo(ctx, kernel.group(req.params.gid)),
  }));

  app.post<{ Params: GroupParams }>("/api/v1/groups/:gid/actors", async (req) => {
    const group = kernel.group(req.params.gid);
    const { secret_env: secretEnv, env, ...body } = parse(AddActor, req.body);
    checkPermissions(body.runtime, body.runner ?? defaultRunnerFor(body.runtime), body.permissions);
    for (const [k, v] of Object.entries(env ?? {})) validateEnvEntry(k, v, false);
    for (const [k, v] of Object.entries(secretEnv ?? {})) validateEnvEntry(k, v, true);
    const actor = await group.addActor({ ...body, env, command: splitCommand(body.command) });
    if (secretEnv) await ctx.actorEnv.setMany(group, actor.id, secretEnv, true);
    return { actor: actorInfo(ctx, group).find((a) => a.id === actor.id) };
  });

  app.delete<{ Params: ActorParams }>("/api/v1/groups/:gid/actors/:aid", async (req) => {
    const group = kernel.group(req.params.gid);
    group.actor(req.params.aid);
    await ctx.actors.stop(group, req.params.aid);
    await group.removeActor(req.params.aid);
    await ctx.actorEnv.removeActor(group, req.params.aid);
    return { ok: true };
  });

  /** Change an actor's title or permission mode; a running actor restarts so the change holds. */
  app.patch<{ Params: ActorParams }>("/api/v1/groups/:gid/actors/:aid", async (req) => {
    const group = kernel.group(req.params.gid);
    const current = group.actor(req.params.aid);
    const body = parse(UpdateActor, req.body);
    checkPermissions(current.runtime, current.runner, body.permissions);
    await group.updateConfig((c) => {
      const a = c.actors.find((x) => x.id === req.params.aid);
      if (!a) return;
      if (body.title !== undefined) a.title = body.title;
      if (body.permissions !== undefined) a.permissions = body.permissions;
    });
    await group.append("actor.updated", "user", { actor_id: req.params.aid, ...body });
    if (ctx.actors.status(group, req.params.aid).status === "running")
      await ctx.actors.restart(group, req.params.aid);
    return { actor: actorInfo(ctx, group).find((a) => a.id === req.params.aid) };
  });

  for (const op of ["start", "stop", "restart"] as const) {
    app.post<{ Params: ActorParams }>(`/api/v1/groups/:gid/actors/:aid/${op}`, async (req) => {
      const group = kernel.group(req.params.gid);
      group.actor(req.params.aid);
      await ctx.actors[op](group, req.params.aid);
      return { actor: actorInfo(ctx, group).find((a) => a.id === req.params.aid) };
    });
  }

  app.get<{ Params: ActorParams }>("/api/v1/groups/:gid/actors/:aid/terminal", async (req) => {
    const group = kernel.group(req.params.gid);
    group.actor(req.params.aid);
    return { text: ctx.actors.scrollback(group, req.params.aid) };
  });
}
