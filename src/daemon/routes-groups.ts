import type { FastifyInstance } from "fastify";
import type { ActorInfo } from "../contract/index.js";
import { defaultRunnerFor } from "../kernel/config.js";
import { NotFoundError, ValidationError } from "../kernel/errors.js";
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
    permissions: a.permissions ?? "bypass",
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

/** `ask` needs an approval interface CCCC can answer: a Claude Code or Codex structured session (docs/approvals.md). */
function checkPermissions(runtime: string, runner: string, permissions: string | undefined): void {
  if (permissions !== "ask" || (["claude", "codex"].includes(runtime) && runner === "structured")) return;
  throw new ValidationError(
    "permissions_unsupported",
    `Permission mode "ask" needs --runtime claude or codex with the structured runner (this actor: ${runtime}, ${runner}). Terminal and headless actors run in bypass mode; see docs/approvals.md.`,
  );
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
    checkPermissions(body.runtime, body.runner ?? defaultRunnerFor(body.runtime), body.permissions);
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

  /** Change an actor's title or permission mode; a running actor restarts so the change holds. */
  route(app, "updateActor", async ({ params, body }) => {
    const group = kernel.group(params.gid);
    const current = group.actor(params.aid);
    checkPermissions(current.runtime, current.runner, body.permissions);
    await group.updateConfig((c) => {
      const a = c.actors.find((x) => x.id === params.aid);
      if (!a) return;
      if (body.title !== undefined) a.title = body.title;
      if (body.permissions !== undefined) a.permissions = body.permissions;
    });
    await group.append("actor.updated", "user", { actor_id: params.aid, ...body });
    if (ctx.actors.status(group, params.aid).status === "running")
      await ctx.actors.restart(group, params.aid);
    return { actor: oneActor(ctx, group, params.aid) };
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
