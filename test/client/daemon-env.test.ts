import { afterEach, describe, expect, it } from "vitest";
import { DAEMON_ENV, daemonEnv, dropAddedDaemonEnv } from "../../src/client/daemon-launch.js";

describe("the daemon's malloc settings", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it("are added where the user set none, and the daemon drops only what was added (agents get the user's env)", () => {
    const env = daemonEnv({ PATH: "/bin", MALLOC_ARENA_MAX: "8" });
    expect(env.MALLOC_ARENA_MAX).toBe("8");
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe(DAEMON_ENV.MALLOC_MMAP_THRESHOLD_);
    Object.assign(process.env, env);
    dropAddedDaemonEnv();
    expect(process.env.MALLOC_ARENA_MAX).toBe("8");
    expect(process.env.MALLOC_MMAP_THRESHOLD_).toBeUndefined();
    expect(process.env.MALLOC_TRIM_THRESHOLD_).toBeUndefined();
    expect(Object.keys(process.env).filter((k) => k.startsWith("CCCC_DAEMON_ADDED"))).toEqual([]);
  });
});
