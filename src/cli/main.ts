#!/usr/bin/env node
import { Command } from "commander";
import { PLATFORMS } from "../im/platforms.js";
import { VERSION } from "../version.js";
import { actorCommands } from "./actor.js";
import { approvalCommands } from "./approval.js";
import { daemonCommands, runForeground } from "./daemon.js";
import { groupCommands } from "./group.js";
import { imCommands } from "./im.js";
import { mcpCommands } from "./mcp.js";
import { messageCommands } from "./messages.js";

const program = new Command("cccc")
  .description(
    `CCCC: a working group of coding agents, driven from the CLI, the Web UI and ${PLATFORMS.labels}`,
  )
  .version(VERSION)
  .option("-p, --port <port>", "port for the daemon and Web UI (default $CCCC_PORT or 8848)")
  .option("--host <host>", "bind address (default $CCCC_HOST or 127.0.0.1)")
  .action(runForeground);

/** Top-level command name → what registers it: a command registers only its own group. */
const REGISTRARS: Record<string, (program: Command) => void> = {
  daemon: daemonCommands,
  group: groupCommands,
  actor: actorCommands,
  approval: approvalCommands,
  send: messageCommands,
  reply: messageCommands,
  inbox: messageCommands,
  tail: messageCommands,
  im: imCommands,
  mcp: mcpCommands,
  setup: mcpCommands,
};

/** The command named in argv, past the global options; undefined for none, help or an option. */
function commandName(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-p" || arg === "--port" || arg === "--host") i++;
    else if (!arg.startsWith("-")) return arg;
    else if (!arg.includes("=") && !/^-p\d/.test(arg)) return undefined;
  }
  return undefined;
}

// Building commander's whole tree costs several ms per start (docs/bench.md, "CLI"); only `--help`,
// `help`, no command or an unknown one (commander suggests a name) needs all of it.
const only = REGISTRARS[commandName(process.argv.slice(2)) ?? ""];
if (only) only(program);
else for (const register of new Set(Object.values(REGISTRARS))) register(program);

// No top-level await: the bin is this file bundled as CommonJS (scripts/bundle-cli.mjs).
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
