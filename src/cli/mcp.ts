import type { Command } from "commander";
import { CLI_ENTRY } from "../version.js";
import { action, common } from "./context.js";

export function mcpCommands(program: Command): void {
  program
    .command("mcp")
    .description("run the MCP server for agents over stdio (identity from CCCC_GROUP_ID / CCCC_ACTOR_ID)")
    .action(async () => {
      const { runMcpStdio } = await import("../mcp/server.js");
      await runMcpStdio();
    });

  common(program.command("setup").description("register the CCCC MCP server with an agent CLI"))
    .requiredOption("-r, --runtime <runtime>", "claude | codex | gemini")
    .option("--dry-run", "print the registration command without running it")
    .action(
      action(async (cli) => {
        const o = cli.opts as { runtime: string; dryRun?: boolean };
        const { registerMcp } = await import("../runners/runtimes.js");
        const result = await registerMcp(o.runtime, CLI_ENTRY, { dryRun: o.dryRun });
        cli.print(result, () =>
          result.status === "not_supported"
            ? `${o.runtime} has no command to register MCP servers; add "cccc mcp" to its configuration by hand.`
            : `${result.status}: ${result.argv?.join(" ")}`,
        );
      }),
    );
}
