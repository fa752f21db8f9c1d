import { open, readFile, rm } from "node:fs/promises";

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Take an exclusive lock file holding `info` (JSON with a `pid`). A lock whose pid is dead is
 * stale and taken over. Returns the holder's info when someone else holds it.
 */
export async function acquirePidLock(
  path: string,
  info: { pid: number } & Record<string, unknown>,
): Promise<{ ok: true; release: () => Promise<void> } | { ok: false; holder: Record<string, unknown> }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx", 0o644);
      await handle.writeFile(JSON.stringify(info));
      await handle.close();
      return {
        ok: true,
        release: async () => {
          const current = await readFile(path, "utf8").catch(() => "");
          if (current.includes(`"pid":${info.pid}`)) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = await readFile(path, "utf8")
        .then((t) => JSON.parse(t) as Record<string, unknown>)
        .catch(() => ({}) as Record<string, unknown>);
      if (typeof holder.pid === "number" && holder.pid !== info.pid && isAlive(holder.pid)) {
        return { ok: false, holder };
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}
