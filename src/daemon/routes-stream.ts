import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { CcccError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import type { LedgerEvent } from "../kernel/types.js";
import type { DaemonContext } from "./context.js";
import { route } from "./route.js";
import type { ChatStreamItem, StreamHub } from "./stream-hub.js";

const HEARTBEAT_MS = 15_000;
/** One replay page: at most this many events and about this many bytes of ledger lines. */
const PAGE_EVENTS = 200;
const PAGE_BYTES = 256 * 1024;

export const streamLimitsSchema = z
  .object({
    /** Open event streams from one remote address (429 beyond). */
    perRemote: z.number().int().positive().default(16),
    /** Open event streams in all (503 beyond). */
    total: z.number().int().positive().default(64),
  })
  .strict();
export type StreamLimits = z.infer<typeof streamLimitsSchema>;

/** `CCCC_STREAM_LIMITS`, e.g. `{"perRemote":4,"total":32}` (docs/api.md); invalid → defaults, logged. */
export function streamLimitsFromEnv(value: string | undefined, log: (line: string) => void): StreamLimits {
  const fallback = streamLimitsSchema.parse({});
  if (!value?.trim()) return fallback;
  try {
    return streamLimitsSchema.parse(JSON.parse(value));
  } catch (err) {
    log(
      `CCCC_STREAM_LIMITS ignored (${(err as Error).message.split("\n")[0]}); using ${JSON.stringify(fallback)}`,
    );
    return fallback;
  }
}

/**
 * Server-sent events of one group's ledger, resuming after `?after=SEQ` or `Last-Event-ID`.
 * One pump per connection reads the ledger file from its cursor in bounded pages, writes each page
 * in one write, and waits for the socket to drain before writing more, so a client that does not read costs one page, not the
 * replay. New events only wake the pump (nothing is queued per client); it then reads them from
 * the file, so a follower sees every seq exactly once and in order. Connections are capped per
 * remote address (429) and in total (503); everything is released when the socket closes.
 * Live `chat.stream` items of structured actors (not in the ledger) come as `event: stream` once the
 * follower has caught up with the ledger: the current snapshot of each running stream, then each
 * change; for a slow socket a stream's consecutive updates collapse to the latest snapshot.
 */
export function streamRoutes(app: FastifyInstance, ctx: DaemonContext, limits: StreamLimits): void {
  const perRemote = new Map<string, number>();
  let total = 0;

  route(app, "stream", async ({ params, query, req, reply }) => {
    const group = ctx.kernel.group(params.gid);
    const remote = req.socket.remoteAddress ?? "unknown";
    if ((perRemote.get(remote) ?? 0) >= limits.perRemote) {
      throw new CcccError(
        "stream_too_many_connections",
        `Too many open event streams from ${remote} (limit ${limits.perRemote}). Close unused tabs or clients and retry.`,
        429,
      );
    }
    if (total >= limits.total) {
      throw new CcccError(
        "stream_server_busy",
        `The daemon has ${total} open event streams (limit ${limits.total}). Retry later, or raise CCCC_STREAM_LIMITS.`,
        503,
      );
    }
    const lastId = Number(req.headers["last-event-id"] ?? Number.NaN);
    let cursor = Number.isFinite(lastId) ? lastId : Number(query.after ?? group.ledger.lastSeq());
    if (!Number.isFinite(cursor) || cursor < 0) cursor = 0;

    perRemote.set(remote, (perRemote.get(remote) ?? 0) + 1);
    total++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      total--;
      const left = (perRemote.get(remote) ?? 1) - 1;
      if (left > 0) perRemote.set(remote, left);
      else perRemote.delete(remote);
    };

    reply.hijack();
    const res = reply.raw;
    res.on("close", release);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.write(": connected\n\n");
    void pump(group, res, cursor, ctx.actors.streams).catch((err) => {
      ctx.log(`stream ${group.id}: ${(err as Error).message}`);
      res.destroy();
    });
    return undefined;
  });
}

async function pump(group: Group, res: ServerResponse, from: number, streams: StreamHub): Promise<void> {
  let cursor = from;
  let closed = res.destroyed;
  let dirty = false; // an event became durable since the last read
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const unsubscribe = group.ledger.subscribe(() => {
    dirty = true;
    notify();
  });
  // Per stream, what waits for the socket: its start and end are kept, consecutive updates
  // (snapshots) collapse to the latest, so a slow client costs at most three items per stream.
  const pendingStreams = new Map<string, ChatStreamItem[]>();
  const queueStream = (item: ChatStreamItem) => {
    const queue = pendingStreams.get(item.data.stream_id) ?? [];
    if (queue.at(-1)?.data.op === "update") queue[queue.length - 1] = item;
    else queue.push(item);
    pendingStreams.set(item.data.stream_id, queue);
  };
  for (const item of streams.snapshots(group.id)) queueStream(item);
  const unsubscribeStreams = streams.subscribe(group.id, (item) => {
    queueStream(item);
    notify();
  });
  const heartbeat = setInterval(() => {
    if (!closed && !res.writableNeedDrain) res.write(": ping\n\n");
  }, HEARTBEAT_MS);
  const onClose = () => {
    closed = true;
    notify();
  };
  res.on("close", onClose);
  res.on("drain", notify);
  const until = async (ready: () => boolean) => {
    while (!ready() && !closed) await new Promise<void>((r) => (wake = r));
  };
  const flushStreams = async () => {
    for (const [id, queue] of pendingStreams) {
      if (closed) return;
      pendingStreams.delete(id);
      for (const item of queue) {
        if (!res.write(`event: stream\ndata: ${JSON.stringify(item)}\n\n`)) {
          await until(() => !res.writableNeedDrain);
        }
      }
    }
    sendNow(res);
  };
  try {
    let caughtUp = false; // stream items wait for the backlog; after it they go out as they come
    while (!closed) {
      sendNow(res); // what the last pass wrote
      if (caughtUp) await flushStreams();
      dirty = false;
      const page: LedgerEvent[] = await group.ledger.read(cursor, PAGE_EVENTS, PAGE_BYTES);
      // One write per page (bounded: PAGE_EVENTS / PAGE_BYTES), not per event: one HTTP chunk.
      let chunk = "";
      for (const e of page) {
        if (e.seq <= cursor) continue;
        cursor = e.seq;
        const json = group.ledger.lineOf(e) ?? JSON.stringify(e); // the line as written, when known
        chunk += `event: ledger\nid: ${e.seq}\ndata: ${json}\n\n`;
      }
      if (chunk !== "" && !closed && !res.write(chunk)) await until(() => !res.writableNeedDrain);
      if (page.length > 0) continue;
      caughtUp = true;
      await flushStreams();
      await until(() => dirty || pendingStreams.size > 0);
    }
  } finally {
    clearInterval(heartbeat);
    unsubscribe();
    unsubscribeStreams();
    res.off("close", onClose);
    res.off("drain", notify);
  }
}

/**
 * `res.write` corks the socket until the next tick, and the next tick comes only after every
 * microtask queued behind this one: a new event is woken up by the ledger's commit, whose other
 * followers (the bridge, actor delivery, the caller's own continuation) would otherwise run before
 * the event leaves. Uncork now; the pending tick's uncork then finds nothing to do.
 */
function sendNow(res: ServerResponse): void {
  if (res.socket?.writableCorked) res.socket.uncork();
}
