/** Process helpers shared by the runners: launch checks, process-group signals, exit info. */

import { accessSync, constants, statSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { CcccError } from "../kernel/errors.js";

export type Env = Record<string, string | undefined>;

/** How a runner's process ended. `code` is null when it was killed by a signal. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The surface both runners share, so the supervisor can wrap either. */
export interface Runner {
  readonly pid: number | undefined;
  readonly running: boolean;
  start(): Promise<void>;
  stop(opts?: { graceMs?: number }): Promise<void>;
  onExit(listener: (info: ExitInfo) => void): () => void;
}

export const DEFAULT_STOP_GRACE_MS = 5_000;

/** Finds an executable the way execvp does: a path with a slash is taken as is, otherwise PATH is searched. */
export function findExecutable(command: string, env: Env, cwd: string): string | undefined {
  if (command.includes("/")) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, command);
    if (isExecutableFile(full)) return full;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Throws a clear error before spawning when the command or the working directory is missing
 * (node-pty would otherwise start a process that just prints "execvp(3) failed").
 */
export function assertLaunchable(argv: readonly string[], cwd: string, env: Env): void {
  const command = argv[0];
  if (!command) throw new CcccError("missing_command", "The actor has no command to run; set --command.");
  let isDir = false;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new CcccError(
      "invalid_project_root",
      `The working directory ${cwd} does not exist; attach an existing scope to the group.`,
    );
  }
  if (!findExecutable(command, env, cwd)) {
    throw new CcccError(
      "command_not_found",
      `"${command}" was not found on PATH; install it or set the actor's --command.`,
      400,
      { command },
    );
  }
}

/** Sends a signal to a whole process group; returns false if the group is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

/**
 * SIGTERM to the group, SIGKILL after `graceMs` if `exited` has not settled, then a final SIGKILL
 * to whatever is left in the group (grandchildren such as `cccc mcp`).
 */
export async function terminateGroup(pid: number, exited: Promise<unknown>, graceMs: number): Promise<void> {
  signalGroup(pid, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((res) => {
      timer = setTimeout(() => res(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    signalGroup(pid, "SIGKILL");
    await exited;
  }
  signalGroup(pid, "SIGKILL");
}

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name as NodeJS.Signals]),
);

export function signalName(num: number | undefined | null): NodeJS.Signals | null {
  if (!num) return null;
  return signalNames.get(num) ?? null;
}
