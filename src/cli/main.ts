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

daemonCommands(program);
groupCommands(program);
actorCommands(program);
approvalCommands(program);
messageCommands(program);
imCommands(program);
mcpCommands(program);

// No top-level await: the bin is this file bundled as CommonJS (scripts/bundle-cli.mjs).
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
