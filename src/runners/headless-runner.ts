/** Runs an actor's argv without a terminal; stdout and stderr go to a per-actor, size-capped log file. */

import { type ChildProcess, spawn } from "node:child_process";
import { CcccError } from "../kernel/errors.js";
import {
  assertLaunchable,
  DEFAULT_STOP_GRACE_MS,
  type Env,
  type ExitInfo,
  type Runner,
  terminateGroup,
} from "./process-group.js";
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

export class HeadlessRunner implements Runner {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  private readonly exitListeners = new Set<(info: ExitInfo) => void>();
  private _exit: ExitInfo | undefined;
  private _startedAt: number | undefined;

  constructor(private readonly opts: HeadlessRunnerOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child?.pid !== undefined && this._exit === undefined;
  }
  get startedAt(): number | undefined {
    return this._startedAt;
  }
  get exitInfo(): ExitInfo | undefined {
    return this._exit;
  }
  get logPath(): string {
    return this.opts.logPath;
  }

  /** Resolves once the process is running; rejects if it could not be spawned. */
  async start(): Promise<void> {
    if (this.child) throw new CcccError("runner_already_started", "This runner was already started.");
    assertLaunchable(this.opts.argv, this.opts.cwd, this.opts.env);
    const log = new RotatingLog({
      path: this.opts.logPath,
      ...(this.opts.logMaxBytes !== undefined ? { maxBytes: this.opts.logMaxBytes } : {}),
      ...(this.opts.logKeep !== undefined ? { keep: this.opts.logKeep } : {}),
    });
    log.open();
    const [file, ...args] = this.opts.argv as [string, ...string[]];
    // detached: the child leads its own process group, so stop() can signal the whole tree.
    // Output comes through pipes so the log can rotate (a file fd handed to the child cannot).
    const child = spawn(file, args, {
      cwd: this.opts.cwd,
      env: this.opts.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const append = (chunk: Buffer) => {
      try {
        log.write(chunk);
      } catch {
        // Disk full or the directory removed: the actor keeps running, its output is lost.
      }
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    child.once("close", () => log.close());
    this.child = child;
    let settle: (info: ExitInfo) => void = () => {};
    this.exitPromise = new Promise<ExitInfo>((resolveExit) => {
      settle = (info) => {
        if (this._exit) return;
        this._exit = info;
        resolveExit(info);
        for (const listener of [...this.exitListeners]) listener(info);
      };
    });
    child.once("exit", (code, signal) => settle({ code, signal }));
    await new Promise<void>((resolveSpawn, rejectSpawn) => {
      child.once("spawn", () => resolveSpawn());
      child.once("error", (err) => {
        log.close();
        // Spawn failures emit "error" and no "exit".
        settle({ code: null, signal: null });
        rejectSpawn(new CcccError("spawn_failed", `Could not start "${file}": ${err.message}`));
      });
    });
    this._startedAt = Date.now();
  }

  onExit(listener: (info: ExitInfo) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  waitExit(): Promise<ExitInfo> {
    if (!this.exitPromise) return Promise.reject(new Error("runner not started"));
    return this.exitPromise;
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    const child = this.child;
    if (!child?.pid || !this.exitPromise) return;
    if (this.running)
      await terminateGroup(child.pid, this.exitPromise, opts.graceMs ?? DEFAULT_STOP_GRACE_MS);
    await this.exitPromise;
  }
}
