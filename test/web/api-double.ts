/**
 * An in-memory stand-in for the daemon's HTTP API (docs/api.md, docs/im.md), just enough for the
 * Web UI flows, so the UI can be exercised without the daemon. The daemon-backed test is the real
 * one; this double also checks the UI's side of the contract (JSON bodies, no secrets echoed).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PLATFORMS } from "../../src/im/platforms.js";

interface Actor {
  id: string;
  title: string;
  runtime: string;
  runner: string;
  command: string[];
  role: "foreman" | "peer";
  enabled: boolean;
  status: "running" | "stopped" | "exited" | "crashed";
  unread: number;
}

interface Group {
  group_id: string;
  title: string;
  running: boolean;
  actors: Actor[];
  events: Record<string, unknown>[];
  streams: Set<ServerResponse>;
  im: {
    config: Record<string, unknown> | null;
    secrets: Record<string, boolean>;
    running: boolean;
    error?: { code: string; message: string; at: string };
  };
  pending: {
    key: string;
    chat_id: string;
    chat_type: string;
    chat_title: string;
    user_name: string;
    expires_at: string;
  }[];
  chats: Record<string, unknown>[];
}

/** The App Secret the double treats as rejected by DingTalk. */
export const WRONG_SECRET = "not-the-secret";

export interface ApiDouble {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Every request body the UI sent, by "METHOD path". */
  bodies: { route: string; body: unknown }[];
  close: () => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createApiDouble(): ApiDouble {
  const groups = new Map<string, Group>();
  const bodies: { route: string; body: unknown }[] = [];
  let nextGroup = 1;

  const summary = (g: Group) => ({
    group_id: g.group_id,
    title: g.title,
    state: g.running ? "active" : "idle",
    running: g.running,
    actors: g.actors.length,
    im: g.im.config ? { platform: "dingtalk", enabled: true } : null,
  });
  const imStatus = (g: Group) => ({
    running: g.im.running,
    state: g.im.running ? "running" : g.im.error ? "error" : "stopped",
    last_error: g.im.error,
    connected: g.im.running,
    connected_since: g.im.running ? new Date().toISOString() : undefined,
    reconnects: 0,
    subscribers: g.chats.length,
    // A running bridge with work waiting (a flood, the platform's rate limits): the UI shows it.
    ...(g.im.running ? { inbound_waiting: 1, outbound_waiting: 3, outbound_waiting_chats: 2 } : {}),
  });
  const imState = (g: Group) => ({ config: g.im.config, secrets: g.im.secrets, status: imStatus(g) });

  const append = (g: Group, kind: string, by: string, data: Record<string, unknown>) => {
    const seq = g.events.length + 1;
    const event = {
      v: 1,
      id: `ev${seq}`,
      seq,
      ts: new Date().toISOString(),
      kind,
      group_id: g.group_id,
      by,
      data,
    };
    g.events.push(event);
    for (const res of g.streams) res.write(`event: ledger\nid: ${seq}\ndata: ${JSON.stringify(event)}\n\n`);
    return event;
  };

  const group = (gid: string) => {
    const g = groups.get(gid);
    if (!g) throw new HttpError(404, "group_not_found", `No group ${gid}.`);
    return g;
  };

  async function route(
    method: string,
    parts: string[],
    url: URL,
    body: Record<string, unknown>,
    res: ServerResponse,
  ) {
    const [, gid, sub, aid, action] = parts;
    if (parts[0] === "health") return { ok: true, version: "double", pid: 0, home: "/tmp" };
    if (parts[0] === "im" && parts[1] === "platforms") return { platforms: PLATFORMS.catalog() };
    if (parts[0] !== "groups") throw new HttpError(404, "not_found", "No such route.");
    if (!gid) {
      if (method === "GET") return { groups: [...groups.values()].map(summary) };
      const g: Group = {
        group_id: `g_${nextGroup++}`,
        title: String(body.title),
        running: false,
        actors: [],
        events: [],
        streams: new Set(),
        im: {
          config: null,
          secrets: { app_key: false, app_secret: false, robot_code: false },
          running: false,
        },
        pending: [],
        chats: [],
      };
      groups.set(g.group_id, g);
      return { group: summary(g) };
    }
    const g = group(gid);
    if (!sub) return { group: summary(g), actors: g.actors };
    if (sub === "start" || sub === "stop") {
      g.running = sub === "start";
      return { group: summary(g) };
    }
    if (sub === "actors") {
      if (!aid) {
        if (g.actors.some((a) => a.id === body.id))
          throw new HttpError(409, "actor_exists", `${body.id} exists.`);
        const actor: Actor = {
          id: String(body.id),
          title: String(body.id),
          runtime: String(body.runtime),
          runner: String(body.runner ?? "pty"),
          command: body.command ? String(body.command).split(" ") : [],
          role: g.actors.length === 0 ? "foreman" : "peer",
          enabled: true,
          status: "stopped",
          unread: 0,
        };
        g.actors.push(actor);
        append(g, "actor.added", "user", { actor_id: actor.id });
        return { actor };
      }
      const actor = g.actors.find((a) => a.id === aid);
      if (!actor) throw new HttpError(404, "actor_not_found", `No actor ${aid}.`);
      if (method === "DELETE") {
        g.actors = g.actors.filter((a) => a !== actor);
        return { ok: true };
      }
      actor.status = action === "stop" ? "stopped" : "running";
      return { actor };
    }
    if (sub === "ledger") {
      const tail = Number(url.searchParams.get("tail") ?? 200);
      return { events: g.events.slice(-tail), last_seq: g.events.length };
    }
    if (sub === "stream") {
      const after = Number(url.searchParams.get("after") ?? 0);
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" });
      res.write(": hello\n\n");
      for (const event of g.events.slice(after)) {
        res.write(`event: ledger\nid: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`);
      }
      g.streams.add(res);
      res.on("close", () => g.streams.delete(res));
      return undefined;
    }
    if (sub === "send") {
      const foreman = g.actors[0];
      if (foreman) foreman.unread++;
      return {
        event: append(g, "chat.message", "user", { text: body.text, to: body.to ?? [], attachments: [] }),
      };
    }
    if (sub === "im") return im(g, method, aid, body);
    // The approval inbox is covered against the real daemon (test/web/approvals.test.ts).
    if (sub === "approvals" && method === "GET" && !aid) return { pending: [], history: [] };
    throw new HttpError(404, "not_found", "No such route.");
  }

  function im(g: Group, method: string, what: string | undefined, body: Record<string, unknown>) {
    if (!what && method === "GET") return imState(g);
    if (!what && method === "DELETE") {
      g.im = {
        config: null,
        secrets: { app_key: false, app_secret: false, robot_code: false },
        running: false,
      };
      return { ok: true };
    }
    if (what === "config") {
      const has = (k: string) => typeof body[k] === "string" && body[k] !== "";
      if (!(has("app_key") || g.im.secrets.app_key) || !(has("app_secret") || g.im.secrets.app_secret)) {
        throw new HttpError(400, "missing_credentials", "Enter the App Key and App Secret.");
      }
      g.im.secrets = {
        app_key: g.im.secrets.app_key || has("app_key"),
        app_secret: g.im.secrets.app_secret || has("app_secret"),
        robot_code: g.im.secrets.robot_code || has("robot_code"),
      };
      g.im.config = {
        platform: "dingtalk",
        enabled: true,
        mode: body.mode ?? "stream",
        files: { enabled: true, max_mb: 20 },
      };
      // Saved either way; a wrong secret makes the start fail like DingTalk's invalidClientIdOrSecret.
      if (body.app_secret === WRONG_SECRET) {
        g.im.running = false;
        g.im.error = {
          code: "dingtalk_invalid_app_key",
          message: "Invalid appkey: DingTalk rejected the AppKey/AppSecret pair (invalidClientIdOrSecret)",
          at: new Date().toISOString(),
        };
        return imState(g);
      }
      g.im.running = true;
      g.im.error = undefined;
      // A chat asked to be authorized once the bridge was up (the bot replied with this key).
      g.pending = [
        {
          key: "k7Q2mX9pLr4",
          chat_id: "cid_rnd",
          chat_type: "group",
          chat_title: "研发群",
          user_name: "张三",
          expires_at: new Date(Date.now() + 600_000).toISOString(),
        },
      ];
      return imState(g);
    }
    if (what === "start" || what === "stop") {
      g.im.running = what === "start";
      return { status: imStatus(g) };
    }
    if (what === "pending") return { pending: g.pending };
    if (what === "authorized") return { chats: g.chats };
    if (what === "bind") {
      const request = g.pending.find((p) => p.key === body.key);
      if (!request) throw new HttpError(400, "bind_key_unknown", "Unknown or expired key.");
      g.pending = g.pending.filter((p) => p !== request);
      const chat = { chat_id: request.chat_id, chat_type: request.chat_type, chat_title: request.chat_title };
      g.chats.push({
        ...chat,
        subscribed: true,
        paused: false,
        verbose: false,
        authorized_at: new Date().toISOString(),
      });
      return { chat };
    }
    if (what === "revoke") {
      g.chats = g.chats.filter((c) => c.chat_id !== body.chat_id);
      return { ok: true };
    }
    throw new HttpError(404, "not_found", "No such IM route.");
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    try {
      if (raw && !String(req.headers["content-type"]).startsWith("application/json")) {
        throw new HttpError(415, "unsupported_media_type", "Send JSON with Content-Type: application/json.");
      }
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const parts = url.pathname
        .replace(/^\/api\/v1\//, "")
        .split("/")
        .map(decodeURIComponent);
      if (method !== "GET") bodies.push({ route: `${method} /${parts.join("/")}`, body });
      const result = await route(method, parts, url, body, res);
      if (result === undefined) return;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(result));
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, "internal", String(error));
      res.writeHead(e.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: e.code, message: e.message } }));
    }
  }

  return {
    handle,
    bodies,
    close: () => {
      for (const g of groups.values()) for (const res of g.streams) res.end();
    },
  };
}
