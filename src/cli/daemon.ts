import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { dropAddedDaemonEnv } from "../client/daemon-launch.js";
import { isAlive } from "../daemon/pid-lock.js";
import { Home } from "../kernel/home.js";
import { action, common } from "./context.js";

/** Run the daemon (and the Web UI) in the foreground until SIGINT/SIGTERM; exit 1 if it cannot start. */
export async function runForeground(opts: { port?: string; host?: string }): Promise<void> {
  try {
    await foreground(opts);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

async function foreground(opts: { port?: string; host?: string }): Promise<void> {
  dropAddedDaemonEnv();
  const home = Home.fromEnv();
  const port = Number(opts.port ?? process.env.CCCC_PORT ?? 8848);
  const host = opts.host ?? process.env.CCCC_HOST ?? "127.0.0.1";
  // Loaded here, not at the top: every other command stays free of fastify, the MCP SDK and node-pty.
  // The daemon bundle (scripts/bundle-daemon.mjs, dist/daemon-bundle/), this path relative to dist/src/cli/.
  const { startDaemon, HeapSettle }: typeof import("../daemon/daemon.js") = await import(
    "../../daemon-bundle/daemon.mjs"
  );
  const daemon = await startDaemon({ home, host, port });
  // Per process, not per daemon: gives the heap a burst grew back once the daemon is idle.
  const settle = new HeapSettle();
  settle.start();
  process.stdout.write(`CCCC ${daemon.ctx.version} running. Web UI: ${daemon.url}  (home: ${home.root})\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping CCCC…\n`);
    settle.stop();
    await daemon.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

export function daemonCommands(program: Command): void {
  const daemon = program.command("daemon").description("manage the background daemon");

  daemon
    .command("run")
    .description("run the daemon and Web UI in the foreground")
    .option("-p, --port <port>", "port (default $CCCC_PORT or 8848)")
    .option("--host <host>", "bind address (default $CCCC_HOST or 127.0.0.1)")
    .action(runForeground);

  common(daemon.command("start").description("start the daemon in the background")).action(
    action(async (cli) => {
      const running = await cli.client.findDaemon();
      if (running) {
        const pid = JSON.parse(await readFile(cli.client.home.endpointFile, "utf8")).pid;
        cli.print(
          { running: true, url: running, pid, already: true },
          () => `already running (pid ${pid}): ${running}`,
        );
        return;
      }
      const url = await cli.client.startDaemon();
      cli.print({ running: true, url }, () => `daemon started: ${url}`);
    }),
  );

  common(daemon.command("stop").description("stop the daemon")).action(
    action(async (cli) => {
      const text = await readFile(cli.client.home.endpointFile, "utf8").catch(() => undefined);
      const pid = text ? (JSON.parse(text) as { pid: number }).pid : undefined;
      if (!pid || !isAlive(pid)) {
        cli.print({ running: false }, () => "daemon is not running");
        return;
      }
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 15_000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
      cli.print({ running: false, stopped: pid }, () => `daemon stopped (pid ${pid})`);
    }),
  );

  common(daemon.command("status").description("is the daemon running?")).action(
    action(async (cli) => {
      const url = await cli.client.findDaemon();
      if (!url) {
        cli.print({ running: false }, () => "daemon is not running");
        process.exitCode = 3;
        return;
      }
      const health = await cli.client.get<{ pid: number; version: string; home: string }>("/api/v1/health");
      cli.print(
        { running: true, url, ...health },
        () => `running: ${url} (pid ${health.pid}, version ${health.version})`,
      );
    }),
  );
}
