/**
 * The child-process plumbing the pipe-based runners share (headless, structured): launch checks, a
 * detached spawn (the child leads its own process group, so a stop reaches the whole tree), exit
 * bookkeeping and listeners, and stop (SIGTERM to the group, SIGKILL after the grace).
 */

import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { CcccError } from "../kernel/errors.js";
import {
  assertLaunchable,
  DEFAULT_STOP_GRACE_MS,
  type Env,
  type ExitInfo,
  type Runner,
  terminateGroup,
} from "./process-group.js";

export interface ChildLaunch {
  argv: readonly string[];
  cwd: string;
  /** Full environment for the child. */
  env: Env;
  /** Where the runner writes the child's output (the runner owns the file). */
  logPath: string;
}

export abstract class ChildRunner implements Runner {
  protected child: ChildProcess | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  private readonly exitListeners = new Set<(info: ExitInfo) => void>();
  private _exit: ExitInfo | undefined;
  private _startedAt: number | undefined;

  constructor(private readonly launch: ChildLaunch) {}

  abstract start(): Promise<void>;

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
    return this.launch.logPath;
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
    if (!this.child?.pid || !this.exitPromise) return;
    if (this.running) {
      this.beforeStop(this.child);
      await this.terminate(opts.graceMs ?? DEFAULT_STOP_GRACE_MS);
    }
    await this.exitPromise;
  }

  /** Called by `stop()` just before the group is signalled. */
  protected beforeStop(_child: ChildProcess): void {}

  /** Called once the process has exited (or could not be spawned), before the exit listeners. */
  protected onProcessExit(_info: ExitInfo): void {}

  /** Terminates the process group (no-op unless running); resolves once the process has exited. */
  protected async terminate(graceMs: number): Promise<void> {
    const pid = this.child?.pid;
    if (pid && this.exitPromise && this.running) await terminateGroup(pid, this.exitPromise, graceMs);
  }

  /**
   * Checks the launch, runs `prepare` (open the log), spawns the child with `stdio` and lets `wire`
   * attach its streams before any output can be lost; resolves once it runs, rejects with
   * `spawn_failed` (exit settled, `failed` called) otherwise.
   */
  protected async spawnChild(
    stdio: StdioOptions,
    hooks: { prepare?(): void; wire(child: ChildProcess): void; failed?(): void },
  ): Promise<ChildProcess> {
    if (this.child) throw new CcccError("runner_already_started", "This runner was already started.");
    const { argv, cwd, env } = this.launch;
    assertLaunchable(argv, cwd, env);
    hooks.prepare?.();
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, { cwd, env, detached: true, stdio });
    this.child = child;
    hooks.wire(child);
    let settle: (info: ExitInfo) => void = () => {};
    this.exitPromise = new Promise<ExitInfo>((resolveExit) => {
      settle = (info) => {
        if (this._exit) return;
        this._exit = info;
        resolveExit(info);
        this.onProcessExit(info);
        for (const listener of [...this.exitListeners]) listener(info);
      };
    });
    child.once("exit", (code, signal) => settle({ code, signal }));
    await new Promise<void>((resolveSpawn, rejectSpawn) => {
      child.once("spawn", () => resolveSpawn());
      child.once("error", (err) => {
        hooks.failed?.();
        // Spawn failures emit "error" and no "exit".
        settle({ code: null, signal: null });
        rejectSpawn(new CcccError("spawn_failed", `Could not start "${file}": ${err.message}`));
      });
    });
    this._startedAt = Date.now();
    return child;
  }
}
