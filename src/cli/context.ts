import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { DaemonClient } from "../client/daemon-client.js";
import { CcccError } from "../kernel/errors.js";
import { writeFileAtomic } from "../kernel/fs-util.js";

export interface CommonOptions {
  group?: string;
  json?: boolean;
}

/** Add the options every command takes. */
export function common(cmd: Command): Command {
  return cmd
    .option("-g, --group <id>", "group id (default: the active group)")
    .option("--json", "print JSON instead of text");
}

export class Cli {
  readonly client = new DaemonClient();
  readonly actorId = process.env.CCCC_ACTOR_ID || undefined;

  constructor(readonly opts: CommonOptions) {}

  /**
   * --group, else CCCC_GROUP_ID, else the active group, else the only group. With `create`, a home
   * with no group at all gets one for the current directory (so a platform setup guide's
   * `cccc im set <platform> …` works right after installing); it is said on stderr.
   */
  async groupId(opts: { create?: boolean } = {}): Promise<string> {
    if (this.opts.group) return this.opts.group;
    if (process.env.CCCC_GROUP_ID) return process.env.CCCC_GROUP_ID;
    const active = readSmall(this.client.home.activeGroupFile).trim();
    if (active) return active;
    const { groups } = await this.client.call("listGroups", {});
    if (groups.length === 1 && groups[0]) return groups[0].group_id;
    if (groups.length === 0 && opts.create) {
      const title = basename(process.cwd()) || "cccc";
      const { group } = await this.client.call(
        "createGroup",
        {},
        {
          title,
          scope: process.cwd(),
        },
      );
      await this.setActiveGroup(group.group_id);
      process.stderr.write(
        `created group ${group.group_id} "${title}" for ${process.cwd()} (no group existed)\n`,
      );
      return group.group_id;
    }
    throw new CcccError(
      "no_group",
      groups.length === 0
        ? 'No group yet: create one with "cccc group create --title T".'
        : 'Several groups exist: pick one with "cccc group use <id>" or pass --group <id>.',
    );
  }

  async setActiveGroup(groupId: string): Promise<void> {
    await writeFileAtomic(this.client.home.activeGroupFile, `${groupId}\n`);
  }

  /** The path parameters `{gid}` of the current group (as `groupId`). */
  async gid(opts: { create?: boolean } = {}): Promise<{ gid: string }> {
    return { gid: await this.groupId(opts) };
  }

  async groupPath(suffix = "", opts: { create?: boolean } = {}): Promise<string> {
    return `/api/v1/groups/${encodeURIComponent(await this.groupId(opts))}${suffix}`;
  }

  /** Print `value` as JSON with --json, else the human text. */
  print(value: unknown, human: () => string): void {
    process.stdout.write(this.opts.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
  }
}

/**
 * A small state file read synchronously, "" when missing: every command reads `active_group`, and
 * `node:fs/promises` costs a few ms to load (docs/bench.md, "CLI").
 */
function readSmall(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Run a command body; errors print "error: …" (or JSON) and exit 1. */
export function action<A extends unknown[]>(
  fn: (cli: Cli, ...args: A) => Promise<void>,
): (...args: [...A, CommonOptions, Command]) => Promise<void> {
  return async (...args) => {
    const cmd = args.at(-1) as Command;
    const cli = new Cli(cmd.optsWithGlobals() as CommonOptions);
    try {
      await fn(cli, ...(args.slice(0, -2) as A));
    } catch (err) {
      const code = err instanceof CcccError ? err.code : "error";
      const message = err instanceof Error ? err.message : String(err);
      if (cli.opts.json) process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
      else process.stderr.write(`error: ${message}\n`);
      process.exitCode = 1;
    }
  };
}
