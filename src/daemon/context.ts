import type { Group } from "../kernel/group.js";
import type { Home } from "../kernel/home.js";
import type { Kernel } from "../kernel/kernel.js";
import type { ActorAttention } from "../runners/attention.js";
import type { ActorEnvService } from "./actor-env.js";
import type { ApprovalService } from "./approvals.js";
import type { StreamHub } from "./stream-hub.js";

export interface ActorRuntimeStatus {
  status: "running" | "stopped" | "exited" | "crashed";
  pid?: number;
  exit_code?: number | null;
  /** A running actor that needs a human (a dialog on screen, no input prompt, no reaction to delivery). */
  attention?: ActorAttention;
}

/** A live PTY as a terminal viewer needs it (a `PtyRunner` from src/runners satisfies this). */
export interface LiveTerminal {
  readonly pid: number | undefined;
  readonly startedAt: number | undefined;
  readonly running: boolean;
  readonly cols: number;
  readonly rows: number;
  /** Retained output from byte cursor `from`; `cursor` is the position after the last byte. */
  read(from?: number): { data: Buffer; from: number; cursor: number; truncated: boolean };
  onData(listener: (data: string, cursor: number) => void): () => void;
  onExit(listener: (info: { code: number | null; signal: NodeJS.Signals | null }) => void): () => void;
  /** Stops the PTY answering cursor-position queries itself while a real terminal watches. */
  attachViewer(): () => void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
}

/** What a terminal viewer can watch: a running PTY, or a headless actor's log file (read-only). */
export type ActorTerminal =
  | { kind: "pty"; terminal: LiveTerminal }
  | { kind: "log"; path: string; running: boolean };

/** Actor processes of every group (implemented in actors.ts over src/runners). */
export interface ActorService {
  status(group: Group, actorId: string): ActorRuntimeStatus;
  start(group: Group, actorId: string): Promise<void>;
  stop(group: Group, actorId: string): Promise<void>;
  restart(group: Group, actorId: string): Promise<void>;
  /** Stops the running turn (structured: the CLI's interrupt; PTY: Escape). False when none ran. */
  interrupt(group: Group, actorId: string): Promise<boolean>;
  /** Live `chat.stream` events of structured actors (not in the ledger). */
  readonly streams: StreamHub;
  startGroup(group: Group): Promise<void>;
  stopGroup(group: Group): Promise<void>;
  /** After a daemon restart: start the enabled actors of a group that was running. */
  resume(group: Group): Promise<void>;
  /** Terminal output of a PTY actor, for the Web UI. */
  scrollback(group: Group, actorId: string): string;
  /** The visible screen of a PTY actor's terminal (its last screen after an exit); empty if none. */
  screen(group: Group, actorId: string): string[];
  /** The actor's terminal, or undefined when a PTY actor is not running. Throws for an unknown actor. */
  terminal(group: Group, actorId: string): ActorTerminal | undefined;
  close(): Promise<void>;
}

export interface DaemonContext {
  home: Home;
  kernel: Kernel;
  actors: ActorService;
  /** Per-actor variables and secrets, and the credentials withheld from every actor. */
  actorEnv: ActorEnvService;
  /** The approval inbox of every group (permission mode `ask`). */
  approvals: ApprovalService;
  version: string;
  log(line: string): void;
}
