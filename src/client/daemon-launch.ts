/**
 * How the CLI launches the background daemon (`cccc daemon start`, and any command that finds no
 * daemon running): the one place for the daemon's Node flags. The benches start their daemons
 * with the same flags (bench/bench-kit.ts), so what they measure is what users run.
 *
 * `--max-semi-space-size=8` (MiB): the young generation where V8 allocates first. At 1 MiB an ingest
 * burst scavenged every few hundred messages and promoted every queued message to the old
 * generation (GC was ~40 % of the daemon's CPU per message); 8 MiB lets them die young.
 * `--no-memory-reducer`: V8's memory reducer (memory-reducing full GCs once allocation goes quiet)
 * does not keep the maps optimized code depends on, so after every idle spell it threw away the
 * optimized code of the whole ingest path ("marking dependent code … reason: weak objects") and
 * the next burst compiled it again (~0.4 s of compiler time per 5000-message burst). Giving memory
 * back after a burst is heap-settle.ts's job (a compacting GC and minor GCs that shrink the young
 * generation once the loop is quiet). Measured in docs/bench.md ("Daemon footprint", "Ingest",
 * "Optimized code lost at idle").
 *
 * A daemon run in the foreground (`cccc`, `cccc daemon run`) gets Node's defaults unless started
 * as `node --max-semi-space-size=8 …` or with NODE_OPTIONS.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8", "--no-memory-reducer"];

/**
 * glibc malloc settings for the daemon (environment: glibc reads them at process start). After a
 * burst the daemon's native allocations (sockets, JSON, zlib, V8's helper threads) were freed but
 * kept by malloc: ~16 MiB of RSS outside the V8 heap per 30,000 messages with the defaults, ~7 with
 * these (docs/bench.md, "Ingest memory after a burst"). Fewer per-thread arenas; big blocks mmap'ed
 * (returned when freed) rather than carved from an arena; free space at an arena's top given back.
 * A variable already set in the caller's environment wins. Other C libraries ignore them.
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "131072",
  MALLOC_TRIM_THRESHOLD_: "131072",
};

/** Names the DAEMON_ENV variables the launcher added (not the user's), so the daemon can drop them. */
const ADDED = "CCCC_DAEMON_ADDED_ENV";

/** The daemon's environment: `env` plus DAEMON_ENV where `env` does not set a variable itself. */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const added = Object.keys(DAEMON_ENV).filter((name) => env[name] === undefined);
  return { ...DAEMON_ENV, ...env, [ADDED]: added.join(",") };
}

/**
 * In the daemon, once started: remove what daemonEnv added from `process.env` (glibc read it at
 * process start), so agents' environments, built from the daemon's, are the user's.
 */
export function dropAddedDaemonEnv(): void {
  for (const name of process.env[ADDED]?.split(",") ?? []) if (name) delete process.env[name];
  delete process.env[ADDED];
}

/** The argv after `node` that starts `cccc daemon run` from the CLI entry `cliEntry`. */
export function daemonArgv(cliEntry: string): string[] {
  return [...DAEMON_NODE_FLAGS, cliEntry, "daemon", "run"];
}
