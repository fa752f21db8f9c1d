import type { Command } from "commander";

export function mcpCommands(_program: Command): void {}
