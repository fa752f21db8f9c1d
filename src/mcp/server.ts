import { readFile } from "node:fs/promises";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import { DaemonClient } from "../client/daemon-client.js";
import { BlobStore } from "../kernel/blobs.js";
import { CcccError } from "../kernel/errors.js";
import type { LedgerEvent } from "../kernel/types.js";
import { VERSION } from "../version.js";
import { registerApprovalTool } from "./approval-tool.js";
import { HELP_TEXT } from "./help.js";

type ToolResult = {
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

const MAX_INLINE_FILE_BYTES = 256 * 1024;

function ok(result: Record<string, unknown>): ToolResult {
  return { content: [{ type: "text", text: JSON.stringify(result, null, 2) }], structuredContent: result };
}

function fail(err: unknown): ToolResult {
  const code = err instanceof CcccError ? err.code : "error";
  const message = err instanceof Error ? err.message : String(err);
  const result = { error: { code, message } };
  return {
    content: [{ type: "text", text: JSON.stringify(result, null, 2) }],
    structuredContent: result,
    isError: true,
  };
}

const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe("any unique string; retrying with the same key never sends twice");

/** Identity: explicit tool arguments, else the env the agent was started with (CCCC_GROUP_ID, CCCC_ACTOR_ID). */
const identity = {
  group_id: z.string().optional().describe("group id (default: $CCCC_GROUP_ID)"),
  actor_id: z.string().optional().describe("your actor id (default: $CCCC_ACTOR_ID)"),
};

export function createMcpServer(
  client = new DaemonClient(),
  env: NodeJS.ProcessEnv = process.env,
): McpServer {
  const server = new McpServer({ name: "cccc", version: VERSION });

  const who = (args: { group_id?: string; actor_id?: string }) => {
    const groupId = args.group_id ?? env.CCCC_GROUP_ID;
    const actorId = args.actor_id ?? env.CCCC_ACTOR_ID;
    if (!groupId) throw new CcccError("no_group", "No group: CCCC_GROUP_ID is not set; pass group_id.");
    if (!actorId) throw new CcccError("no_actor", "No actor: CCCC_ACTOR_ID is not set; pass actor_id.");
    return { groupId, actorId, path: `/api/v1/groups/${encodeURIComponent(groupId)}` };
  };

  const tool = <S extends z.ZodRawShape>(
    name: string,
    description: string,
    shape: S,
    run: (args: z.infer<z.ZodObject<S>>) => Promise<Record<string, unknown>>,
  ) => {
    server.registerTool(name, { description, inputSchema: shape }, (async (args: z.infer<z.ZodObject<S>>) => {
      try {
        return ok(await run(args));
      } catch (err) {
        return fail(err);
      }
    }) as never);
  };

  /**
   * The MCP server may run outside the agent's own sandbox, so it never reads the files an agent
   * names: it passes the paths, and the daemon attaches only blobs and files under the group's scope
   * (docs/kernel.md "Attachments"). Relative paths are taken from the agent's working directory.
   */
  const attachmentPaths = (files: string[] | undefined) =>
    (files ?? []).map((f) => ({ path: f.startsWith("blobs/") || isAbsolute(f) ? f : resolvePath(f) }));

  const blobStore = (groupId: string) => new BlobStore(client.home.groupDir(groupId));

  tool("cccc_help", "How to work in a CCCC group: messages, recipients, replies, files.", {}, async () => ({
    help: HELP_TEXT,
  }));

  tool(
    "cccc_inbox_list",
    "Your unread messages, oldest first.",
    { ...identity, limit: z.number().int().min(1).max(200).optional() },
    async (a) => {
      const { path, actorId } = who(a);
      const { events } = await client.get<{ events: LedgerEvent[] }>(
        `${path}/inbox/${encodeURIComponent(actorId)}`,
      );
      return { messages: events.slice(0, a.limit ?? 50), unread: events.length };
    },
  );

  tool(
    "cccc_inbox_mark_read",
    "Mark your inbox read up to event_id (inclusive), or all of it.",
    { ...identity, event_id: z.string().optional() },
    async (a) => {
      const { path, actorId } = who(a);
      const r = await client.post<{ event: LedgerEvent }>(
        `${path}/inbox/${encodeURIComponent(actorId)}/read`,
        {
          event_id: a.event_id,
        },
      );
      return { ok: true, read_up_to_seq: (r.event.data as { seq?: number }).seq };
    },
  );

  tool(
    "cccc_message_send",
    "Send a message. to: 'user' (the human, also forwarded to DingTalk), '@foreman', '@peers', '@all' or actor ids; default everyone. attachments: paths of files under the group's scope (your working directory), or attachment paths you received (blobs/…).",
    {
      ...identity,
      text: z.string().min(1),
      to: z.union([z.string(), z.array(z.string())]).optional(),
      attachments: z.array(z.string()).optional(),
      idempotency_key: idempotencyKey,
    },
    async (a) => {
      const { path, actorId } = who(a);
      const to = a.to === undefined ? undefined : Array.isArray(a.to) ? a.to : [a.to];
      const attachments = attachmentPaths(a.attachments);
      const r = await client.post<{ event: LedgerEvent }>(`${path}/send`, {
        text: a.text,
        to,
        attachments,
        by: actorId,
        client_id: a.idempotency_key,
      });
      return { event_id: r.event.id, to: (r.event.data as { to: string[] }).to };
    },
  );

  tool(
    "cccc_message_reply",
    "Reply to a message (event_id or its 8-character prefix); the answer goes to the original sender.",
    {
      ...identity,
      event_id: z.string().min(1),
      text: z.string().min(1),
      attachments: z.array(z.string()).optional(),
      idempotency_key: idempotencyKey,
    },
    async (a) => {
      const { path, actorId } = who(a);
      const attachments = attachmentPaths(a.attachments);
      const r = await client.post<{ event: LedgerEvent }>(`${path}/reply`, {
        event_id: a.event_id,
        text: a.text,
        attachments,
        by: actorId,
        client_id: a.idempotency_key,
      });
      return { event_id: r.event.id, to: (r.event.data as { to: string[] }).to };
    },
  );

  tool("cccc_group_info", "The group: title, state, actors with roles and status.", identity, async (a) => {
    const { path, actorId } = who(a);
    const r = await client.get<{ group: Record<string, unknown>; actors: Record<string, unknown>[] }>(path);
    return { you: actorId, group: r.group, actors: r.actors };
  });

  tool(
    "cccc_blob_path",
    "The absolute local path of an attachment (its 'path', e.g. blobs/<sha256>_<name>).",
    { ...identity, path: z.string().min(1) },
    async (a) => {
      const { groupId } = who(a);
      return { path: blobStore(groupId).resolve(a.path) };
    },
  );

  tool(
    "cccc_file_read",
    "Read an attachment's content (text up to 256 KiB; otherwise use cccc_blob_path and read the file).",
    { ...identity, path: z.string().min(1) },
    async (a) => {
      const { groupId } = who(a);
      const full = blobStore(groupId).resolve(a.path);
      const bytes = await readFile(full).catch(() => {
        throw new CcccError("blob_not_found", `No attachment "${a.path}".`);
      });
      const isText = !bytes.subarray(0, 8000).includes(0);
      if (!isText || bytes.length > MAX_INLINE_FILE_BYTES) {
        return {
          path: full,
          bytes: bytes.length,
          text: null,
          note: "Binary or large file: read it from path.",
        };
      }
      return { path: full, bytes: bytes.length, text: bytes.toString("utf8") };
    },
  );

  tool(
    "cccc_im_bind",
    "Approve a DingTalk chat that sent /subscribe, using the one-time key it was given (foreman only).",
    { ...identity, key: z.string().min(1) },
    async (a) => {
      const { path, actorId, groupId } = who(a);
      const info = await client.get<{ actors: { id: string; role: string }[] }>(path);
      if (info.actors.find((x) => x.id === actorId)?.role !== "foreman") {
        throw new CcccError("foreman_only", `Only the foreman of ${groupId} may approve chats.`);
      }
      return client.post(`${path}/im/bind`, { key: a.key, actor: actorId });
    },
  );

  registerApprovalTool(server, client, () => who({}));

  return server;
}

export async function runMcpStdio(): Promise<void> {
  const server = createMcpServer();
  await server.connect(new StdioServerTransport());
}
