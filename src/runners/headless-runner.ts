/** Runs an actor's argv without a terminal; stdout and stderr go to a per-actor, size-capped log file. */

import { ChildRunner } from "./child-runner.js";
import type { Env } from "./process-group.js";
import { RotatingLog } from "./rotating-log.js";

export interface HeadlessRunnerOptions {
  argv: readonly string[];
  cwd: string;
  /** Full environment for the child (the caller merges CCCC_HOME, CCCC_GROUP_ID, CCCC_ACTOR_ID, PATH). */
  env: Env;
  /** Output is appended here; the directory is created if needed. */
  logPath: string;
  /** Rotate the log past this size (default 10 MiB) to `<logPath>.1`. */
  logMaxBytes?: number;
  /** Rotated files kept (default 1). */
  logKeep?: number;
}

export class HeadlessRunner extends ChildRunner {
  constructor(private readonly opts: HeadlessRunnerOptions) {
    super(opts);
  }

  /** Resolves once the process is running; rejects if it could not be spawned. */
  async start(): Promise<void> {
    const log = new RotatingLog({
      path: this.opts.logPath,
      ...(this.opts.logMaxBytes !== undefined ? { maxBytes: this.opts.logMaxBytes } : {}),
      ...(this.opts.logKeep !== undefined ? { keep: this.opts.logKeep } : {}),
    });
    const append = (chunk: Buffer) => {
      try {
        log.write(chunk);
      } catch {
        // Disk full or the directory removed: the actor keeps running, its output is lost.
      }
    };
    // Output comes through pipes so the log can rotate (a file fd handed to the child cannot).
    await this.spawnChild(["ignore", "pipe", "pipe"], {
      prepare: () => log.open(),
      wire: (child) => {
        child.stdout?.on("data", append);
        child.stderr?.on("data", append);
        child.once("close", () => log.close());
      },
      failed: () => log.close(),
    });
  }
}
