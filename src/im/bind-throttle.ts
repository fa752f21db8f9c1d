import { join } from "node:path";
import { ImError } from "./bridge-errors.js";
import { isRecord, readJsonFile, writeJsonFile } from "./state-file.js";

/** Failed key approvals allowed per source, and in all, within the window (docs/im.md "Key guessing"). */
export const BIND_LIMITS = { perSource: 5, total: 20, windowMs: 10 * 60_000 } as const;
export type BindLimits = { perSource: number; total: number; windowMs: number };

export const BIND_FAILURES_FILE = "bind-failures.json";

interface Failure {
  at: number;
  source: string;
}

function isFailures(v: unknown): v is Failure[] {
  return (
    Array.isArray(v) &&
    v.every((f) => isRecord(f) && typeof f.at === "number" && typeof f.source === "string")
  );
}

/**
 * Counts wrong keys given to `bind` (CLI, Web UI, API) per source and in all, in a file of the
 * bridge's state directory, so restarting the daemon does not reset a lockout.
 */
export class BindThrottle {
  private failures: Failure[] | undefined;
  private write: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly now: () => number,
    private readonly limits: BindLimits = BIND_LIMITS,
  ) {}

  private get path(): string {
    return join(this.dir, BIND_FAILURES_FILE);
  }

  private async recent(): Promise<Failure[]> {
    this.failures ??= await readJsonFile(this.path, [], isFailures);
    const since = this.now() - this.limits.windowMs;
    this.failures = this.failures.filter((f) => f.at > since);
    return this.failures;
  }

  /** Throws `too_many_attempts` (429) while the source, or everyone, is locked out. */
  async check(source: string): Promise<void> {
    const recent = await this.recent();
    const mine = recent.filter((f) => f.source === source);
    const blocking =
      mine.length >= this.limits.perSource
        ? mine[mine.length - this.limits.perSource]
        : recent.length >= this.limits.total
          ? recent[recent.length - this.limits.total]
          : undefined;
    if (!blocking) return;
    const waitMs = blocking.at + this.limits.windowMs - this.now();
    const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
    const scope =
      mine.length >= this.limits.perSource
        ? `${this.limits.perSource} wrong keys`
        : `${this.limits.total} wrong keys from all sources`;
    throw new ImError(
      "too_many_attempts",
      `Too many attempts: ${scope} in ${Math.round(this.limits.windowMs / 60_000)} minutes. Wait ${minutes} minute${minutes === 1 ? "" : "s"}, then try again with the exact key the chat received (cccc im pending lists the waiting chats).`,
      429,
      { retry_after_s: Math.ceil(waitMs / 1000) },
    );
  }

  async fail(source: string): Promise<void> {
    const recent = await this.recent();
    recent.push({ at: this.now(), source });
    const snapshot = [...recent];
    this.write = this.write.catch(() => undefined).then(() => writeJsonFile(this.path, snapshot));
    await this.write;
  }
}
