import { AppKeyLock } from "./app-key-lock.js";
import type { Bridge, ImStatus } from "./bridge.js";
import { errorCode, errorMessage } from "./bridge-errors.js";
import { type BackoffPolicy, backoffDelay } from "./transport/backoff.js";

export interface BridgeSpec {
  groupId: string;
  /** Credential identity for the cross-process lock (the platform module's `lockKey`, e.g. an app key). */
  appKey: string;
  /** The platform's name for the lock's error message (default "chat platform"). */
  platformLabel?: string;
  /** Build a fresh bridge (with a fresh adapter) for every start and restart. */
  create(): Bridge | Promise<Bridge>;
  /** The group's bridge log (restarts are logged there). */
  log?(line: string): void;
}

export interface SupervisorOptions {
  /** CCCC_HOME. */
  home: string;
  backoff?: BackoffPolicy;
  /** A bridge that ran this long before crashing restarts with the shortest delay again. */
  healthyAfterMs?: number;
  random?: () => number;
}

export interface SupervisedStatus extends ImStatus {
  restarts: number;
  next_restart_at?: string;
}

interface Entry {
  spec: BridgeSpec;
  lock: AppKeyLock;
  bridge: Bridge | undefined;
  startedAt: number;
  attempt: number;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
  nextRestartAt: number | undefined;
  stopped: boolean;
}

/**
 * Runs one Bridge per group, restarts a crashed one with jittered exponential backoff (logged),
 * and holds the app-key lock from start to stop (across restarts).
 */
export class BridgeSupervisor {
  private entries = new Map<string, Entry>();
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: SupervisorOptions) {
    this.backoff = options.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 };
  }

  /**
   * Start a group's bridge. Resolves when it runs; rejects with `im_app_key_in_use` when another
   * group holds the app key, or with the bridge's start error (nothing is retried then).
   */
  async start(spec: BridgeSpec): Promise<SupervisedStatus> {
    const current = this.entries.get(spec.groupId);
    if (current) {
      if (current.bridge?.running) return this.statusOf(current);
      await this.stop(spec.groupId);
    }
    const lock = AppKeyLock.acquire(this.options.home, spec.appKey, spec.groupId, spec.platformLabel);
    const entry: Entry = {
      spec,
      lock,
      bridge: undefined,
      startedAt: Date.now(),
      attempt: 0,
      restarts: 0,
      timer: undefined,
      nextRestartAt: undefined,
      stopped: false,
    };
    this.entries.set(spec.groupId, entry);
    try {
      await this.launch(entry);
    } catch (error) {
      this.entries.delete(spec.groupId);
      lock.release();
      throw error;
    }
    return this.statusOf(entry);
  }

  private async launch(entry: Entry): Promise<void> {
    const bridge = await entry.spec.create();
    entry.bridge = bridge;
    bridge.onCrash((error) => this.onCrash(entry, bridge, error));
    entry.startedAt = Date.now();
    await bridge.start();
  }

  private onCrash(entry: Entry, bridge: Bridge, error: Error): void {
    if (entry.stopped || entry.bridge !== bridge) return;
    if (Date.now() - entry.startedAt >= (this.options.healthyAfterMs ?? 60_000)) entry.attempt = 0;
    this.scheduleRestart(entry, `crashed (${errorCode(error) ?? "error"}: ${errorMessage(error)})`);
  }

  private scheduleRestart(entry: Entry, why: string): void {
    const delay = backoffDelay(this.backoff, entry.attempt, this.options.random);
    entry.attempt++;
    entry.nextRestartAt = Date.now() + delay;
    entry.spec.log?.(`[supervisor] bridge ${why}; restart #${entry.restarts + 1} in ${delay} ms`);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.nextRestartAt = undefined;
      if (entry.stopped) return;
      entry.restarts++;
      this.launch(entry).then(
        () => entry.spec.log?.(`[supervisor] bridge restarted (restart #${entry.restarts})`),
        (error: unknown) => {
          if (!entry.stopped) this.scheduleRestart(entry, `restart failed (${errorMessage(error)})`);
        },
      );
    }, delay);
  }

  /** Stop a group's bridge and release its app key. No-op when not running. */
  async stop(groupId: string): Promise<void> {
    const entry = this.entries.get(groupId);
    if (!entry) return;
    entry.stopped = true;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    this.entries.delete(groupId);
    try {
      await entry.bridge?.stop();
    } finally {
      entry.lock.release();
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((g) => this.stop(g)));
  }

  get(groupId: string): Bridge | undefined {
    return this.entries.get(groupId)?.bridge;
  }

  /** Undefined when the group has no supervised bridge (stopped). */
  status(groupId: string): SupervisedStatus | undefined {
    const entry = this.entries.get(groupId);
    return entry ? this.statusOf(entry) : undefined;
  }

  private statusOf(entry: Entry): SupervisedStatus {
    const base: ImStatus = entry.bridge?.status() ?? {
      running: false,
      state: "starting",
      connected: false,
      reconnects: 0,
      subscribers: 0,
    };
    const status: SupervisedStatus = { ...base, restarts: entry.restarts };
    if (entry.nextRestartAt !== undefined) {
      status.state = "starting";
      status.next_restart_at = new Date(entry.nextRestartAt).toISOString();
    }
    return status;
  }
}
