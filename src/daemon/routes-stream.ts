import type { FastifyInstance } from "fastify";
import type { LedgerEvent } from "../kernel/types.js";
import type { DaemonContext } from "./context.js";
import type { ChatStreamItem } from "./stream-hub.js";

const HEARTBEAT_MS = 15_000;
const PAGE = 500;

/**
 * Server-sent events of one group's ledger, resuming after `?after=SEQ` or `Last-Event-ID`.
 * Backlog first, then live events; events that arrive while the backlog is sent are held and
 * written in order, so a follower sees every seq exactly once.
 * Live `chat.stream` items of structured actors (not in the ledger) come as `event: stream`, with
 * the current snapshot of each running stream right after the backlog.
 */
export function streamRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  app.get<{ Params: { gid: string }; Querystring: { after?: string } }>(
    "/api/v1/groups/:gid/stream",
    async (req, reply) => {
      const group = ctx.kernel.group(req.params.gid);
      const lastId = Number(req.headers["last-event-id"] ?? Number.NaN);
      let cursor = Number.isFinite(lastId) ? lastId : Number(req.query.after ?? group.ledger.lastSeq());
      if (!Number.isFinite(cursor) || cursor < 0) cursor = 0;

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      res.write(": connected\n\n");

      let live: LedgerEvent[] | null = [];
      const write = (e: LedgerEvent) => {
        if (e.seq <= cursor) return;
        cursor = e.seq;
        res.write(`event: ledger\nid: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
      };
      const unsubscribe = group.ledger.subscribe((e) => (live ? live.push(e) : write(e)));
      const writeStream = (item: ChatStreamItem) =>
        res.write(`event: stream\ndata: ${JSON.stringify(item)}\n\n`);
      let streams: ChatStreamItem[] | null = [];
      const unsubscribeStreams = ctx.actors.streams.subscribe(group.id, (item) =>
        streams ? streams.push(item) : writeStream(item),
      );
      const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        unsubscribeStreams();
      };
      req.raw.on("close", close);

      try {
        for (;;) {
          const page = await group.ledger.read(cursor, PAGE);
          for (const e of page) write(e);
          if (page.length < PAGE) break;
        }
        for (const e of live) write(e);
        live = null;
        // Running streams as their current snapshot; of the items held meanwhile only the ends matter.
        for (const item of ctx.actors.streams.snapshots(group.id)) writeStream(item);
        for (const item of streams) if (item.data.op === "end") writeStream(item);
        streams = null;
      } catch (err) {
        ctx.log(`stream ${group.id}: ${(err as Error).message}`);
        close();
        res.end();
      }
    },
  );
}
