import { resolve } from "node:path";
import type { Command } from "commander";
import { action, common } from "./context.js";

export function groupCommands(program: Command): void {
  const group = program.command("group").description("working groups");

  common(group.command("create").description("create a group and make it active"))
    .requiredOption("-t, --title <title>", "group title")
    .option("-s, --scope <dir>", "project directory the actors work in (default: current directory)")
    .action(
      action(async (cli) => {
        const opts = cli.opts as { title: string; scope?: string };
        const { group: g } = await cli.client.call(
          "createGroup",
          {},
          {
            title: opts.title,
            scope: resolve(opts.scope ?? process.cwd()),
          },
        );
        await cli.setActiveGroup(g.group_id);
        cli.print(g, () => g.group_id);
      }),
    );

  common(group.command("list").description("list groups")).action(
    action(async (cli) => {
      const { groups } = await cli.client.call("listGroups", {});
      cli.print(groups, () =>
        groups.length === 0
          ? 'no groups yet: create one with "cccc group create --title T"'
          : groups
              .map(
                (g) =>
                  `${g.group_id}  ${g.title || "(broken)"}  ${g.state}  actors:${g.actors}${g.error ? `  error: ${g.error.message}` : ""}`,
              )
              .join("\n"),
      );
    }),
  );

  common(group.command("use <groupId>").description("make a group the active one")).action(
    action(async (cli, groupId: string) => {
      await cli.client.call("getGroup", { gid: groupId });
      await cli.setActiveGroup(groupId);
      cli.print({ active: groupId }, () => `active group: ${groupId}`);
    }),
  );

  common(group.command("show").description("show a group and its actors")).action(
    action(async (cli) => {
      const r = await cli.client.call("getGroup", await cli.gid());
      cli.print(r, () =>
        [
          `${r.group.group_id}  ${r.group.title}`,
          `state: ${r.group.state}${r.group.running ? " (running)" : ""}`,
          `im: ${r.group.im ? `${r.group.im.platform} (${r.group.im.enabled ? "enabled" : "disabled"})` : "not configured"}`,
          `actors: ${r.actors.map((a) => `${a.id}[${a.role}, ${a.status}]`).join(", ") || "none"}`,
        ].join("\n"),
      );
    }),
  );

  for (const op of ["start", "stop"] as const) {
    common(group.command(op).description(`${op} every actor of the group`)).action(
      action(async (cli) => {
        const r = await cli.client.call(`${op}Group`, await cli.gid());
        cli.print(r, () => r.actors.map((a) => `${a.id}: ${a.status}`).join("\n") || "no actors");
      }),
    );
  }
}
