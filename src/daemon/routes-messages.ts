import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { resolveAttachments } from "../kernel/attachments.js";
import { LIMITS, text } from "../kernel/config.js";
import { NotFoundError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import type { DaemonContext } from "./context.js";
import { parse } from "./errors.js";

type GroupParams = { gid: string };

const token = text(LIMITS.token);
/**
 * An attachment names a blob of the group (`blobs/…`, as `POST /blobs` returned it) or a file under
 * the group's scope; size and hash are taken from the file, not from the request (docs/kernel.md).
 */
const AttachmentSchema = z.object({
  path: text(LIMITS.path).min(1),
  name: text(LIMITS.fileName).optional(),
  mime: token.optional(),
  bytes: z.number().int().nonnegative().optional(),
  sha256: token.optional(),
});
const Send = z.object({
  // The body limit bounds the text (8 MB; big content goes as a file).
  text: z.string().default(""),
  to: z
    .array(token)
    .max(LIMITS.recipients, `has too many recipients (the limit is ${LIMITS.recipients})`)
    .optional(),
  attachments: z
    .array(AttachmentSchema)
    .max(LIMITS.attachments, `has too many attachments (the limit is ${LIMITS.attachments})`)
    .optional(),
  reply_to: token.optional(),
  by: token.optional(),
  format: z.enum(["plain", "markdown"]).optional(),
  client_id: text(200).min(1).optional(),
});
const Reply = Send.extend({ event_id: token.min(1) });
const MarkRead = z.object({ event_id: token.optional() });
const LedgerQuery = z.object({
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
  tail: z.coerce.number().int().min(1).max(5000).optional(),
});

const scopeOf = (group: Group) => ({ blobs: group.blobs, scopes: group.config.scopes.map((s) => s.url) });

export function messageRoutes(app: FastifyInstance, ctx: DaemonContext): void {
  const { kernel } = ctx;

  app.post<{ Params: GroupParams }>("/api/v1/groups/:gid/send", async (req) => {
    const group = kernel.group(req.params.gid);
    const body = parse(Send, req.body);
    const attachments = await resolveAttachments(body.attachments ?? [], scopeOf(group));
    return { event: await group.send({ ...body, attachments, by: body.by ?? "user" }) };
  });

  app.post<{ Params: GroupParams }>("/api/v1/groups/:gid/reply", async (req) => {
    const group = kernel.group(req.params.gid);
    const body = parse(Reply, req.body);
    const attachments = await resolveAttachments(body.attachments ?? [], scopeOf(group));
    return { event: await group.reply({ ...body, attachments, by: body.by ?? "user" }) };
  });

  app.get<{ Params: GroupParams & { aid: string } }>("/api/v1/groups/:gid/inbox/:aid", async (req) => {
    const group = kernel.group(req.params.gid);
    group.actor(req.params.aid);
    return { events: group.inbox.list(req.params.aid) };
  });

  app.post<{ Params: GroupParams & { aid: string } }>("/api/v1/groups/:gid/inbox/:aid/read", async (req) => {
    const group = kernel.group(req.params.gid);
    const body = parse(MarkRead, req.body);
    return { event: await group.markRead(req.params.aid, body.event_id) };
  });

  app.get<{ Params: GroupParams }>("/api/v1/groups/:gid/ledger", async (req) => {
    const group = kernel.group(req.params.gid);
    const q = parse(LedgerQuery, req.query);
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

  app.post<{ Params: GroupParams; Querystring: { name?: string } }>(
    "/api/v1/groups/:gid/blobs",
    async (req) => {
      const group = kernel.group(req.params.gid);
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const attachment = await group.blobs.put(bytes, req.query.name ?? "file");
      return { attachment };
    },
  );

  app.get<{ Params: GroupParams & { name: string } }>(
    "/api/v1/groups/:gid/blobs/:name",
    async (req, reply) => {
      const group = kernel.group(req.params.gid);
      const path = group.blobs.resolve(req.params.name);
      const info = await stat(path).catch(() => undefined);
      if (!info) throw new NotFoundError("blob_not_found", `No blob "${req.params.name}".`);
      return reply
        .header("content-type", "application/octet-stream")
        .header("content-length", info.size)
        .header("x-content-type-options", "nosniff")
        .send(createReadStream(path));
    },
  );
}
