import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { resolveAttachments } from "../kernel/attachments.js";
import { NotFoundError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import type { DaemonContext } from "./context.js";
import { route } from "./route.js";

const scopeOf = (group: Group) => ({ blobs: group.blobs, scopes: group.config.scopes.map((s) => s.url) });

export function messageRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const { kernel } = ctx;

  route(app, "send", async ({ params, body }) => {
    const group = kernel.group(params.gid);
    const attachments = await resolveAttachments(body.attachments ?? [], scopeOf(group));
    return { event: await group.send({ ...body, attachments, by: body.by ?? "user" }) };
  });

  route(app, "reply", async ({ params, body }) => {
    const group = kernel.group(params.gid);
    const attachments = await resolveAttachments(body.attachments ?? [], scopeOf(group));
    return { event: await group.reply({ ...body, attachments, by: body.by ?? "user" }) };
  });

  route(app, "inbox", async ({ params }) => {
    const group = kernel.group(params.gid);
    group.actor(params.aid);
    return { events: await group.inbox.list(params.aid) };
  });

  route(app, "markRead", async ({ params, body }) => {
    const group = kernel.group(params.gid);
    return { event: await group.markRead(params.aid, body.event_id) };
  });

  route(app, "ledger", async ({ params, query: q }) => {
    const group = kernel.group(params.gid);
    const events = q.tail
      ? await group.ledger.tail(q.tail)
      : await group.ledger.read(q.after ?? 0, q.limit ?? 500);
    return { events, last_seq: group.ledger.lastSeq() };
  });

  app.addContentTypeParser(
    "application/octet-stream",
    { parseAs: "buffer", bodyLimit: 100 * 1024 * 1024 },
    (_r, body, done) => done(null, body),
  );

  route(app, "uploadBlob", async ({ params, query, req }) => {
    const group = kernel.group(params.gid);
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const attachment = await group.blobs.put(bytes, query.name ?? "file");
    return { attachment };
  });

  route(app, "getBlob", async ({ params, reply }) => {
    const group = kernel.group(params.gid);
    const path = group.blobs.resolve(params.name);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new NotFoundError("blob_not_found", `No blob "${params.name}".`);
    return reply
      .header("content-type", "application/octet-stream")
      .header("content-length", info.size)
      .header("x-content-type-options", "nosniff")
      .send(createReadStream(path));
  });
}
