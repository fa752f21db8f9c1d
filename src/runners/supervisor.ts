/** One actor's process: start/stop/restart over either runner, exit status, optional restart on crash. */

import { HeadlessRunner } from "./headless-runner.js";
import { DEFAULT_STOP_GRACE_MS, type Env, type ExitInfo } from "./process-group.js";
import type { PtyRunner } from "./pty-runner.js";
import type { StructuredRunner } from "./structured-runner.js";

/**
 * `exited`: the process ended on its own with exit code 0 (it finished; nobody asked it to stop).
 * `crashed`: it ended on its own with a non-zero code or a signal. See docs/runners.md.
 */
export type ActorStatus = "running" | "stopped" | "exited" | "crashed";
export type RunnerKind = "pty" | "headless" | "structured";
type AnyRunner = PtyRunner | HeadlessRunner | StructuredRunner;

/** Restart after a crash (not after a clean exit 0): at most `maxRestarts` within `windowMs`, with doubling backoff. */
export interface RestartPolicy {
  maxRestarts: number;
  windowMs: number;
  backoffMs: number;
  maxBackoffMs?: number;
}

export interface ActorExit extends ExitInfo {
  /** True when stop()/restart() caused the exit. */
  requested: boolean;
  /** A restart is scheduled under the restart policy. */
  willRestart: boolean;
  status: ActorStatus;
}

export interface ActorProcessOptions {
  runner: RunnerKind;
  argv: readonly string[];
  cwd: string;
  /** Full environment (daemon env + actor env + CCCC_HOME, CCCC_GROUP_ID, CCCC_ACTOR_ID, PATH). */
  env: Env;
  /** Log file for a headless actor's stdout/stderr (required for `headless`). */
  logPath?: string;
  /** Size cap and rotated files kept for that log (defaults: 10 MiB, 1; docs/runners.md). */
  log?: { maxBytes?: number; keep?: number };
  pty?: { cols?: number; rows?: number; scrollbackBytes?: number };
  stopGraceMs?: number;
  restart?: RestartPolicy;
  /** Each new process, including automatic restarts; hook delivery (`queue.attach(runner)`) here. */
  onStart?: (runner: AnyRunner) => void;
  /** Makes each new process of a `structured` actor (its argv can change between starts: --resume). */
  structured?: () => StructuredRunner;
  /** Every exit; the daemon appends `actor.exited` when `requested` is false (status `exited` or `crashed`). */
  onExit?: (exit: ActorExit) => void;
  /** An automatic restart failed to spawn; the actor stays `crashed`. */
  onRestartError?: (err: unknown) => void;
}

export class ActorProcess {
  private current: AnyRunner | undefined;
  private _status: ActorStatus = "stopped";
  private _exit: ExitInfo | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private crashRestarts: number[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ActorProcessOptions) {
    if (opts.runner === "headless" && !opts.logPath) throw new Error("a headless actor needs logPath");
    if (opts.runner === "structured" && !opts.structured)
      throw new Error("a structured actor needs a factory");
  }

  get status(): ActorStatus {
    return this._status;
  }
  get pid(): number | undefined {
    return this._status === "running" ? this.current?.pid : undefined;
  }
  get exitCode(): number | null | undefined {
    return this._exit?.code;
  }
  get exitSignal(): NodeJS.Signals | null | undefined {
    return this._exit?.signal;
  }
  /** The current (or last) runner. */
  get runner(): AnyRunner | undefined {
    return this.current;
  }
  /** The current terminal, for delivery and viewers; undefined for headless actors. */
  get pty(): PtyRunner | undefined {
    return this.opts.runner === "pty" ? (this.current as PtyRunner | undefined) : undefined;
  }
  /** A crash restart is waiting for its backoff. */
  get restartPending(): boolean {
    return this.restartTimer !== undefined;
  }

  /** Starts the process unless it is running. Rejects with a CcccError if it cannot be launched. */
  start(): Promise<void> {
    return this.serial(() => this.doStart());
  }

  /** Stops the process (SIGTERM, SIGKILL after the grace) and cancels any pending crash restart. */
  stop(opts: { graceMs?: number } = {}): Promise<void> {
    return this.serial(() => this.doStop(opts.graceMs));
  }

  restart(opts: { graceMs?: number } = {}): Promise<void> {
    return this.serial(async () => {
      await this.doStop(opts.graceMs);
      await this.doStart();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    this.cancelRestart();
    if (this.current?.running) return;
    const runner = await this.makeRunner();
    await runner.start();
    this.current = runner;
    this._status = "running";
    this._exit = undefined;
    runner.onExit((info) => this.handleExit(runner, info));
    if (!runner.running && runner.exitInfo) this.handleExit(runner, runner.exitInfo);
    this.opts.onStart?.(runner);
  }

  private async doStop(graceMs?: number): Promise<void> {
    this.cancelRestart();
    const runner = this.current;
    if (runner?.running) {
      this.stopping = true;
      try {
        await runner.stop({ graceMs: graceMs ?? this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS });
      } finally {
        this.stopping = false;
      }
    }
    this._status = "stopped";
  }

  private async makeRunner(): Promise<AnyRunner> {
    const { argv, cwd, env } = this.opts;
    if (this.opts.runner === "structured" && this.opts.structured) return this.opts.structured();
    if (this.opts.runner === "pty") {
      // Loaded on the first PTY actor: node-pty and the headless xterm add ~10 MiB to a daemon
      // that runs none (docs/bench.md, "Daemon footprint").
      const { PtyRunner } = await import("./pty-runner.js");
      return new PtyRunner({ argv, cwd, env, ...this.opts.pty });
    }
    const { maxBytes, keep } = this.opts.log ?? {};
    return new HeadlessRunner({
      argv,
      cwd,
      env,
      logPath: this.opts.logPath as string,
      ...(maxBytes !== undefined ? { logMaxBytes: maxBytes } : {}),
      ...(keep !== undefined ? { logKeep: keep } : {}),
    });
  }

  private handleExit(runner: AnyRunner, info: ExitInfo): void {
    if (runner !== this.current || this._exit) return;
    this._exit = info;
    const requested = this.stopping;
    this._status = requested ? "stopped" : exitStatus(info);
    const willRestart = this._status === "crashed" && this.scheduleRestart();
    this.opts.onExit?.({ ...info, requested, willRestart, status: this._status });
  }

  private scheduleRestart(): boolean {
    const policy = this.opts.restart;
    if (!policy || policy.maxRestarts <= 0) return false;
    const now = Date.now();
    this.crashRestarts = this.crashRestarts.filter((t) => now - t < policy.windowMs);
    if (this.crashRestarts.length >= policy.maxRestarts) return false;
    const backoff = Math.min(
      policy.backoffMs * 2 ** this.crashRestarts.length,
      policy.maxBackoffMs ?? Number.POSITIVE_INFINITY,
    );
    this.crashRestarts.push(now);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.serial(() => this.doStart()).catch((err: unknown) => {
        this._status = "crashed";
        this.opts.onRestartError?.(err);
      });
    }, backoff);
    return true;
  }

  private cancelRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}

/** An exit nobody asked for: code 0 is a clean finish, anything else (or a signal) a crash. */
export function exitStatus(info: ExitInfo): "exited" | "crashed" {
  return info.code === 0 && !info.signal ? "exited" : "crashed";
}
