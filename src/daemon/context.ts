import type { Group } from "../kernel/group.js";
import type { Home } from "../kernel/home.js";
import type { Kernel } from "../kernel/kernel.js";

export interface ActorRuntimeStatus {
  status: "running" | "stopped" | "crashed";
  pid?: number;
  exit_code?: number | null;
}

/** Actor processes of every group (implemented in actors.ts over src/runners). */
export interface ActorService {
  status(group: Group, actorId: string): ActorRuntimeStatus;
  start(group: Group, actorId: string): Promise<void>;
  stop(group: Group, actorId: string): Promise<void>;
  restart(group: Group, actorId: string): Promise<void>;
  startGroup(group: Group): Promise<void>;
  stopGroup(group: Group): Promise<void>;
  /** After a daemon restart: start the enabled actors of a group that was running. */
  resume(group: Group): Promise<void>;
  /** Terminal output of a PTY actor, for the Web UI. */
  scrollback(group: Group, actorId: string): string;
  close(): Promise<void>;
}

export interface DaemonContext {
  home: Home;
  kernel: Kernel;
  actors: ActorService;
  version: string;
  log(line: string): void;
}
