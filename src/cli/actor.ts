import type { Command } from "commander";
import { actorEnvCommands, assignments, collect } from "./actor-env.js";
import { action, common } from "./context.js";

interface ActorInfo {
  id: string;
  title: string;
  runtime: string;
  runner: string;
  role: string;
  status: string;
  unread: number;
  pid?: number;
  exit_code?: number | null;
  attention?: { code: string; message: string; screen: string[] };
}

function line(a: ActorInfo): string {
  const exit =
    (a.status === "crashed" || a.status === "exited") && a.exit_code !== undefined
      ? ` (exit ${a.exit_code})`
      : "";
  const head = `${a.id.padEnd(12)} ${a.role.padEnd(8)} ${a.runtime.padEnd(8)} ${a.runner.padEnd(9)} ${a.status}${exit}  unread:${a.unread}`;
  if (!a.attention) return head;
  const screen = a.attention.screen.map((l) => `    │ ${l}`);
  return [
    head,
    `  ⚠ needs attention (${a.attention.code}): ${a.attention.message}`,
    "    last screen lines:",
    ...screen,
  ].join("\n");
}

export function actorCommands(program: Command): void {
  const actor = program.command("actor").description("actors (agents) of a group");

  common(actor.command("add <id>").description("add an actor; the first one is the foreman"))
    .requiredOption("-r, --runtime <runtime>", "claude | codex | gemini | opencode | custom")
    .option("-c, --command <cmd>", "command line (required for custom)")
    .option(
      "--runner <runner>",
      "structured (default for claude and codex), pty (default for others) or headless",
    )
    .option("--title <title>", "display name")
    .option("--permissions <mode>", "bypass (default: tools run without asking) or ask (a person approves)")
    .option("-e, --env <KEY=VALUE>", "an environment variable of this actor (repeatable)", collect)
    .option(
      "--secret-env <KEY=VALUE>",
      "a secret variable, stored 0600 and never shown (repeatable)",
      collect,
    )
    .action(
      action(async (cli, id: string) => {
        const o = cli.opts as {
          runtime: string;
          command?: string;
          runner?: string;
          title?: string;
          permissions?: string;
          env?: string[];
          secretEnv?: string[];
        };
        const { actor: a } = await cli.client.post<{ actor: ActorInfo }>(await cli.groupPath("/actors"), {
          id,
          runtime: o.runtime,
          command: o.command,
          runner: o.runner,
          title: o.title,
          permissions: o.permissions,
          env: assignments(o.env, "--env"),
          secret_env: assignments(o.secretEnv, "--secret-env"),
        });
        cli.print(a, () => `added ${a.id} (${a.role}, ${a.runtime}, ${a.runner})`);
      }),
    );

  common(actor.command("update <id>").description("change an actor's title or permission mode"))
    .option("--title <title>", "display name")
    .option("--permissions <mode>", "bypass or ask")
    .action(
      action(async (cli, id: string) => {
        const o = cli.opts as { title?: string; permissions?: string };
        const { actor: a } = await cli.client.request<{ actor: ActorInfo & { permissions: string } }>(
          "PATCH",
          await cli.groupPath(`/actors/${encodeURIComponent(id)}`),
          { title: o.title, permissions: o.permissions },
        );
        cli.print(
          a,
          () => `updated ${a.id}: permissions ${a.permissions}${a.title ? `, title ${a.title}` : ""}`,
        );
      }),
    );

  common(actor.command("list").description("list actors with status and unread counts")).action(
    action(async (cli) => {
      const { actors } = await cli.client.get<{ actors: ActorInfo[] }>(await cli.groupPath("/actors"));
      cli.print(actors, () =>
        actors.length ? actors.map(line).join("\n") : 'no actors: add one with "cccc actor add"',
      );
    }),
  );

  for (const op of ["start", "stop", "restart"] as const) {
    common(actor.command(`${op} <id>`).description(`${op} an actor's process`)).action(
      action(async (cli, id: string) => {
        const { actor: a } = await cli.client.post<{ actor: ActorInfo }>(
          await cli.groupPath(`/actors/${encodeURIComponent(id)}/${op}`),
        );
        cli.print(a, () => line(a));
      }),
    );
  }

  actorEnvCommands(actor);

  common(actor.command("interrupt <id>").description("stop the actor's running turn")).action(
    action(async (cli, id: string) => {
      const r = await cli.client.post<{ actor_id: string; interrupted: boolean }>(
        await cli.groupPath(`/actors/${encodeURIComponent(id)}/interrupt`),
      );
      cli.print(r, () => (r.interrupted ? `interrupted ${id}` : `${id} has no running turn`));
    }),
  );

  common(actor.command("remove <id>").description("stop and remove an actor")).action(
    action(async (cli, id: string) => {
      await cli.client.request("DELETE", await cli.groupPath(`/actors/${encodeURIComponent(id)}`));
      cli.print({ removed: id }, () => `removed ${id}`);
    }),
  );
}
