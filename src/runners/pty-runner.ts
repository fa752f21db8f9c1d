/** Runs an actor's argv in a pseudo-terminal (@lydell/node-pty: node-pty with prebuilt binaries) and keeps its recent output. */

import * as pty from "@lydell/node-pty";
import { CcccError } from "../kernel/errors.js";
import {
  assertLaunchable,
  DEFAULT_STOP_GRACE_MS,
  type Env,
  type ExitInfo,
  type Runner,
  signalName,
  terminateGroup,
} from "./process-group.js";
import { TerminalScreen } from "./screen.js";
import { DEFAULT_SCROLLBACK_BYTES, Scrollback, type ScrollbackRead } from "./scrollback.js";

export interface PtyRunnerOptions {
  argv: readonly string[];
  cwd: string;
  /** Full environment for the child (the caller merges CCCC_HOME, CCCC_GROUP_ID, CCCC_ACTOR_ID, PATH). */
  env: Env;
  cols?: number;
  rows?: number;
  scrollbackBytes?: number;
}

export type PtyDataListener = (data: string, cursor: number) => void;

const BRACKETED_PASTE_ON = "\x1b[?2004h";
const BRACKETED_PASTE_OFF = "\x1b[?2004l";
const CURSOR_POSITION_QUERY = "\x1b[6n";
const CURSOR_POSITION_REPLY = "\x1b[1;1R";
/** Escape sequences can be split across reads; keep this many trailing chars to scan with the next. */
const TAIL_CHARS = 16;

export class PtyRunner implements Runner {
  readonly scrollback: Scrollback;
  private readonly screen: TerminalScreen;
  private proc: pty.IPty | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  private readonly dataListeners = new Set<PtyDataListener>();
  private readonly exitListeners = new Set<(info: ExitInfo) => void>();
  private viewers = 0;
  private tail = "";
  private _startedAt: number | undefined;
  private _firstOutputAt: number | undefined;
  private _lastOutputAt: number | undefined;
  private _bracketedPaste = false;
  private _exit: ExitInfo | undefined;
  private lastScreen: string[] | undefined;

  constructor(private readonly opts: PtyRunnerOptions) {
    this.scrollback = new Scrollback(opts.scrollbackBytes ?? DEFAULT_SCROLLBACK_BYTES);
    this.screen = new TerminalScreen(opts.cols ?? 120, opts.rows ?? 40);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get running(): boolean {
    return this.proc !== undefined && this._exit === undefined;
  }
  get startedAt(): number | undefined {
    return this._startedAt;
  }
  get firstOutputAt(): number | undefined {
    return this._firstOutputAt;
  }
  get lastOutputAt(): number | undefined {
    return this._lastOutputAt;
  }
  /** Whether the app has switched bracketed paste on (`ESC[?2004h`) and not off again. */
  get bracketedPaste(): boolean {
    return this._bracketedPaste;
  }
  /** The visible lines of the terminal as a user would see them (see `TerminalScreen`). */
  screenLines(): string[] {
    return this.lastScreen ?? this.screen.lines();
  }
  get exitInfo(): ExitInfo | undefined {
    return this._exit;
  }
  get cols(): number {
    return this.proc?.cols ?? this.opts.cols ?? 120;
  }
  get rows(): number {
    return this.proc?.rows ?? this.opts.rows ?? 40;
  }

  async start(): Promise<void> {
    if (this.proc) throw new CcccError("runner_already_started", "This runner was already started.");
    const env = { ...this.opts.env, TERM: "xterm-256color" };
    assertLaunchable(this.opts.argv, this.opts.cwd, env);
    const [file, ...args] = this.opts.argv as [string, ...string[]];
    const cleanEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) cleanEnv[k] = v;
    const proc = pty.spawn(file, args, {
      name: "xterm-256color",
      cols: this.opts.cols ?? 120,
      rows: this.opts.rows ?? 40,
      cwd: this.opts.cwd,
      env: cleanEnv,
    });
    this.proc = proc;
    this._startedAt = Date.now();
    proc.onData((data) => this.handleOutput(data));
    this.exitPromise = new Promise<ExitInfo>((resolveExit) => {
      proc.onExit(({ exitCode, signal }) => {
        const sig = signalName(signal);
        const info: ExitInfo = { code: sig ? null : exitCode, signal: sig };
        this._exit = info;
        resolveExit(info);
        // Kept readable after the exit (the last screen explains a crash); the parser is freed.
        this.lastScreen = this.screen.lines();
        this.screen.dispose();
        for (const listener of [...this.exitListeners]) listener(info);
      });
    });
  }

  onData(listener: PtyDataListener): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onExit(listener: (info: ExitInfo) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** A terminal client is watching; it answers cursor-position queries itself. Call the result to detach. */
  attachViewer(): () => void {
    this.viewers++;
    let attached = true;
    return () => {
      if (attached) this.viewers--;
      attached = false;
    };
  }

  /** Output retained since `from` (see `Scrollback.read`). */
  read(from?: number): ScrollbackRead {
    return this.scrollback.read(from);
  }

  write(data: string): void {
    if (!this.proc || !this.running) {
      throw new CcccError("actor_not_running", "The actor's terminal is not running.", 409);
    }
    this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.running) return;
    const c = Math.max(1, Math.floor(cols));
    const r = Math.max(1, Math.floor(rows));
    this.proc?.resize(c, r);
    this.screen.resize(c, r);
  }

  /** Resolves with the exit info once the process has exited. */
  waitExit(): Promise<ExitInfo> {
    if (!this.exitPromise) return Promise.reject(new Error("runner not started"));
    return this.exitPromise;
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.exitPromise) return;
    if (this.running) await terminateGroup(proc.pid, this.exitPromise, opts.graceMs ?? DEFAULT_STOP_GRACE_MS);
    await this.exitPromise;
  }

  private handleOutput(data: string): void {
    const now = Date.now();
    this._firstOutputAt ??= now;
    this._lastOutputAt = now;
    const scan = this.tail + data;
    const on = scan.lastIndexOf(BRACKETED_PASTE_ON);
    const off = scan.lastIndexOf(BRACKETED_PASTE_OFF);
    if (on !== off) this._bracketedPaste = on > off;
    if (this.viewers === 0) {
      // Answer "where is the cursor?" so TUIs that ask do not hang with nobody watching.
      let at = scan.indexOf(CURSOR_POSITION_QUERY);
      while (at !== -1) {
        if (at + CURSOR_POSITION_QUERY.length > this.tail.length) this.proc?.write(CURSOR_POSITION_REPLY);
        at = scan.indexOf(CURSOR_POSITION_QUERY, at + 1);
      }
    }
    this.tail = scan.slice(-TAIL_CHARS);
    this.scrollback.append(data);
    this.screen.write(data);
    const cursor = this.scrollback.cursor;
    for (const listener of [...this.dataListeners]) {
      try {
        listener(data, cursor);
      } catch {
        // A failing viewer must not stop output capture for the others.
      }
    }
  }
}
