import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { LIMITS, RUNNERS, RUNTIMES, recordOf, text } from "../kernel/config.js";
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
  /** Plain variables (group.yaml) and secrets (0600 store, never returned). */
  env: recordOf(text(LIMITS.envValue), LIMITS.envEntries).optional(),
  secret_env: recordOf(text(LIMITS.envValue), LIMITS.envEntries).optional(),
});

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
