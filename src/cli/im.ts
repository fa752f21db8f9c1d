import type { Command } from "commander";

export function imCommands(_program: Command): void {}
