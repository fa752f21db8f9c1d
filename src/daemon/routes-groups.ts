import type { FastifyInstance } from "fastify";
import type { ActorInfo } from "../contract/index.js";
import { NotFoundError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import { summarize } from "../kernel/kernel.js";
import { validateEnvEntry } from "./actor-env.js";
import type { DaemonContext } from "./context.js";
import { route } from "./route.js";

export function actorInfo(ctx: DaemonContext, group: Group): ActorInfo[] {
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

/** One actor's info; `actor_not_found` (404) when the group has no such actor. */
function oneActor(ctx: DaemonContext, group: Group, actorId: string): ActorInfo {
  const info = actorInfo(ctx, group).find((a) => a.id === actorId);
  if (!info) throw new NotFoundError("actor_not_found", `No actor "${actorId}" in group ${group.id}.`);
  return info;
}

function splitCommand(command: string | string[] | undefined): string[] | undefined {
  if (command === undefined || Array.isArray(command)) return command;
  return command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)?.map((p) => p.replace(/^(["'])(.*)\1$/, "$2")) ?? [];
}

export function groupRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const { kernel } = ctx;

  route(app, "listGroups", async () => ({ groups: kernel.summaries() }));

  route(app, "createGroup", async ({ body }) => {
    const group = await kernel.createGroup(body);
    return { group: summarize(group) };
  });

  route(app, "getGroup", async ({ params }) => {
    const group = kernel.group(params.gid);
    return { group: summarize(group), actors: actorInfo(ctx, group) };
  });

  route(app, "startGroup", async ({ params }) => {
    const group = kernel.group(params.gid);
    await ctx.actors.startGroup(group);
    return { group: summarize(group), actors: actorInfo(ctx, group) };
  });

  route(app, "stopGroup", async ({ params }) => {
    const group = kernel.group(params.gid);
    await ctx.actors.stopGroup(group);
    return { group: summarize(group), actors: actorInfo(ctx, group) };
  });

  route(app, "listActors", async ({ params }) => ({ actors: actorInfo(ctx, kernel.group(params.gid)) }));

  route(app, "addActor", async ({ params, body: input }) => {
    const group = kernel.group(params.gid);
    const { secret_env: secretEnv, env, ...body } = input;
    for (const [k, v] of Object.entries(env ?? {})) validateEnvEntry(k, v, false);
    for (const [k, v] of Object.entries(secretEnv ?? {})) validateEnvEntry(k, v, true);
    const actor = await group.addActor({ ...body, env, command: splitCommand(body.command) });
    if (secretEnv) await ctx.actorEnv.setMany(group, actor.id, secretEnv, true);
    return { actor: oneActor(ctx, group, actor.id) };
  });

  route(app, "removeActor", async ({ params }) => {
    const group = kernel.group(params.gid);
    group.actor(params.aid);
    await ctx.actors.stop(group, params.aid);
    await group.removeActor(params.aid);
    await ctx.actorEnv.removeActor(group, params.aid);
    return { ok: true };
  });

  for (const [name, op] of [
    ["startActor", "start"],
    ["stopActor", "stop"],
    ["restartActor", "restart"],
  ] as const) {
    route(app, name, async ({ params }) => {
      const group = kernel.group(params.gid);
      group.actor(params.aid);
      await ctx.actors[op](group, params.aid);
      return { actor: oneActor(ctx, group, params.aid) };
    });
  }

  route(app, "actorTerminal", async ({ params }) => {
    const group = kernel.group(params.gid);
    group.actor(params.aid);
    return { text: ctx.actors.scrollback(group, params.aid) };
  });
}
