import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ImError } from "./bridge-errors.js";

interface LockContent {
  pid: number;
  group_id: string;
  acquired_at: string;
}

export function appKeyLockPath(home: string, appKey: string): string {
  const hash = createHash("sha256").update(appKey).digest("hex").slice(0, 16);
  return join(home, "daemon", "im-locks", `${hash}.lock`);
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<LockContent>;
    if (typeof v.pid === "number" && typeof v.group_id === "string") {
      return { pid: v.pid, group_id: v.group_id, acquired_at: String(v.acquired_at ?? "") };
    }
  } catch {
    // unreadable or half-written: treated as stale
  }
  return undefined;
}

/** Locks held by this process (path → group id): same-pid lock files are live only if listed here. */
const heldHere = new Map<string, string>();

/**
 * One consumer per platform app key across processes (a platform may split pushes between
 * connections, so two consumers would each miss messages).
 * The lock file `<home>/daemon/im-locks/<sha256(appKey)[:16]>.lock` holds `{pid, group_id}`; it is
 * stale when that pid is dead, or when it is this process and no lock object holds it any more.
 */
export class AppKeyLock {
  private constructor(
    readonly path: string,
    readonly groupId: string,
  ) {}

  static acquire(home: string, appKey: string, groupId: string, label = "chat platform"): AppKeyLock {
    const path = appKeyLockPath(home, appKey);
    mkdirSync(join(home, "daemon", "im-locks"), { recursive: true });
    const content = JSON.stringify({
      pid: process.pid,
      group_id: groupId,
      acquired_at: new Date().toISOString(),
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, "wx", 0o600);
        try {
          writeSync(fd, content);
        } finally {
          closeSync(fd);
        }
        heldHere.set(path, groupId);
        return new AppKeyLock(path, groupId);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = readLock(path);
      const live =
        holder !== undefined &&
        pidAlive(holder.pid) &&
        (holder.pid !== process.pid || heldHere.get(path) === holder.group_id);
      if (live && holder) {
        throw new ImError(
          "im_app_key_in_use",
          `This ${label} app key is already used by the IM bridge of group ${holder.group_id} (pid ${holder.pid}). ` +
            "One app key can serve one group at a time: stop that bridge (cccc im stop --group " +
            `${holder.group_id}) or create a separate ${label} app for this group.`,
          409,
          { group_id: holder.group_id, pid: holder.pid },
        );
      }
      try {
        unlinkSync(path); // stale
      } catch {
        // someone else removed it; try again
      }
    }
    throw new ImError("im_app_key_in_use", `Could not take the app key lock ${path}; try again.`, 409);
  }

  release(): void {
    if (heldHere.get(this.path) === this.groupId) heldHere.delete(this.path);
    const holder = readLock(this.path);
    if (holder && holder.pid === process.pid && holder.group_id === this.groupId) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}
