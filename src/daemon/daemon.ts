import { appendFileSync, mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import Fastify from "fastify";
import { registerOwnListener } from "../im/net-guard.js";
import { CcccError } from "../kernel/errors.js";
import { writeFileAtomic } from "../kernel/fs-util.js";
import type { Home } from "../kernel/home.js";
import { Kernel } from "../kernel/kernel.js";
import { VERSION } from "../version.js";
import { ActorEnvService } from "./actor-env.js";
import { ActorManager } from "./actors.js";
import { ApprovalService } from "./approvals.js";
import type { DaemonContext } from "./context.js";
import { installErrorHandler } from "./errors.js";
import { installGuard } from "./guard.js";
import { ImManager } from "./im.js";
import { acquirePidLock } from "./pid-lock.js";
import { checkResponses, route } from "./route.js";
import { actorEnvRoutes } from "./routes-actor-env.js";
import { approvalRoutes } from "./routes-approvals.js";
import { groupRoutes } from "./routes-groups.js";
import { imRoutes } from "./routes-im.js";
import { interruptRoutes } from "./routes-interrupt.js";
import { messageRoutes } from "./routes-messages.js";
import { streamLimitsFromEnv, streamRoutes } from "./routes-stream.js";
import { terminalRoutes } from "./routes-terminal.js";
import { staticRoutes } from "./static.js";

// The daemon process settles its heap after bursts (src/cli/daemon.ts); exported here so it is in the bundle.
export { HeapSettle } from "./heap-settle.js";

export interface DaemonOptions {
  home: Home;
  host: string;
  port: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunningDaemon {
  url: string;
  port: number;
  ctx: DaemonContext;
  /** Every route registered in Fastify (method, path), for the wire-contract test. */
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

export interface Endpoint {
  host: string;
  port: number;
  pid: number;
  version: string;
  url: string;
  started_at: string;
}

/**
 * Requests and responses are checked with zod (route.ts), never with Fastify's JSON schemas; these
 * factories keep Fastify from loading its default compilers (ajv, fast-json-stringify: ~8 MB of
 * code and a few MiB of the daemon's memory, docs/bench.md "Daemon footprint"). A route given a
 * Fastify schema fails at start-up instead of being silently unchecked.
 */
const NO_SCHEMA_COMPILERS = {
  buildValidator: () => () => {
    throw new Error("Fastify schemas are not used here: validate with zod (src/daemon/route.ts)");
  },
  buildSerializer: () => () => {
    throw new Error("Fastify schemas are not used here: the contract's zod schemas type the response");
  },
};

function fileLogger(path: string): (line: string) => void {
  return (line) => {
    try {
      appendFileSync(path, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // Logging must never take the daemon down.
    }
  };
}

/** Start the daemon: one per CCCC_HOME. Rejects with `daemon_running` when one already is. */
export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const { home } = opts;
  mkdirSync(home.daemonDir, { recursive: true });
  const lock = await acquirePidLock(join(home.daemonDir, "daemon.lock"), { pid: process.pid });
  if (!lock.ok) {
    const url = (lock.holder.url as string | undefined) ?? "";
    throw new CcccError(
      "daemon_running",
      `A CCCC daemon is already running for ${home.root} (pid ${lock.holder.pid}${url ? `, ${url}` : ""}). Stop it with "cccc daemon stop".`,
      409,
    );
  }
  const log = fileLogger(home.daemonLog);
  // forceCloseConnections: shutdown ends keep-alive and streaming (SSE) connections instead of waiting on them.
  const app = Fastify({
    logger: false,
    bodyLimit: 8 * 1024 * 1024,
    forceCloseConnections: true,
    schemaController: { compilersFactory: NO_SCHEMA_COMPILERS },
  });
  const routes: RunningDaemon["routes"] = [];
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  checkResponses(app, (opts.env ?? process.env).CCCC_CHECK_RESPONSES === "1");
  let kernel: Kernel | undefined;
  let boundPort = opts.port;
  let forgetListener = () => {};
  try {
    kernel = await Kernel.open(home);
    const ctx: DaemonContext = { home, kernel, version: VERSION, log } as DaemonContext;
    ctx.actorEnv = new ActorEnvService(kernel, home);
    ctx.actors = new ActorManager(ctx, opts.env ?? process.env);
    ctx.approvals = new ApprovalService({ pidOf: (g, a) => ctx.actors.status(g, a).pid, log });
    const im = new ImManager(ctx, opts.env ?? process.env);

    app.removeContentTypeParser("text/plain");
    installGuard(app, opts.host, () => boundPort);
    installErrorHandler(app, log);
    route(app, "health", async () => ({
      ok: true,
      version: VERSION,
      pid: process.pid,
      home: home.root,
    }));
    groupRoutes(app, ctx);
    actorEnvRoutes(app, ctx);
    messageRoutes(app, ctx);
    streamRoutes(app, ctx, streamLimitsFromEnv((opts.env ?? process.env).CCCC_STREAM_LIMITS, log));
    interruptRoutes(app, ctx);
    approvalRoutes(app, ctx);
    imRoutes(app, ctx, im);
    terminalRoutes(app, ctx, opts.host, () => boundPort);
    staticRoutes(app);

    await app.listen({ host: opts.host, port: opts.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : opts.port;
    boundPort = port;
    // Platform URLs (and their redirects) may never reach this API (SECURITY.md).
    forgetListener = registerOwnListener(opts.host, port);
    const hostForUrl = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
    const url = `http://${hostForUrl}:${port}/`;
    const endpoint: Endpoint = {
      host: opts.host,
      port,
      pid: process.pid,
      version: VERSION,
      url,
      started_at: new Date().toISOString(),
    };
    await writeFileAtomic(home.endpointFile, JSON.stringify(endpoint, null, 2));
    await writeFileAtomic(join(home.daemonDir, "daemon.lock"), JSON.stringify({ pid: process.pid, url }));
    log(`daemon ${VERSION} listening on ${url} (pid ${process.pid})`);

    for (const group of kernel.list()) {
      if (group.config.running)
        await ctx.actors.resume(group).catch((e) => log(`start ${group.id}: ${e.message}`));
    }
    await im.startEnabled();
    // Pending approvals of every group: their timeouts run again (docs/approvals.md).
    for (const group of kernel.list())
      await ctx.approvals.inbox(group).catch((e: Error) => log(`approvals of ${group.id}: ${e.message}`));

    let closed = false;
    return {
      url,
      port,
      ctx,
      routes,
      close: async () => {
        if (closed) return;
        closed = true;
        log("daemon stopping");
        await im.close();
        await ctx.approvals.close();
        await ctx.actors.close();
        await app.close();
        await kernel?.close();
        await rm(home.endpointFile, { force: true });
        forgetListener();
        await lock.release();
      },
    };
  } catch (err) {
    await app.close().catch(() => undefined);
    await kernel?.close().catch(() => undefined);
    forgetListener();
    await lock.release();
    throw err;
  }
}
