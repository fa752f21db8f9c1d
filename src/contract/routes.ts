/**
 * Every route of the daemon: name → method and path. Plain data, no zod, so the CLI can build paths
 * from it without loading the schemas (its startup stays small, docs/bench.md). The schemas of each
 * route are in api.ts under the same name; src/daemon registers routes by these names only.
 */
export const ROUTES = {
  health: { method: "GET", path: "/api/v1/health" },

  listGroups: { method: "GET", path: "/api/v1/groups" },
  createGroup: { method: "POST", path: "/api/v1/groups" },
  getGroup: { method: "GET", path: "/api/v1/groups/:gid" },
  startGroup: { method: "POST", path: "/api/v1/groups/:gid/start" },
  stopGroup: { method: "POST", path: "/api/v1/groups/:gid/stop" },

  listActors: { method: "GET", path: "/api/v1/groups/:gid/actors" },
  addActor: { method: "POST", path: "/api/v1/groups/:gid/actors" },
  removeActor: { method: "DELETE", path: "/api/v1/groups/:gid/actors/:aid" },
  updateActor: { method: "PATCH", path: "/api/v1/groups/:gid/actors/:aid" },
  startActor: { method: "POST", path: "/api/v1/groups/:gid/actors/:aid/start" },
  stopActor: { method: "POST", path: "/api/v1/groups/:gid/actors/:aid/stop" },
  restartActor: { method: "POST", path: "/api/v1/groups/:gid/actors/:aid/restart" },
  interruptActor: { method: "POST", path: "/api/v1/groups/:gid/actors/:aid/interrupt" },
  actorTerminal: { method: "GET", path: "/api/v1/groups/:gid/actors/:aid/terminal" },
  /** A WebSocket upgrade (routes-terminal.ts), not a Fastify route; frames in docs/api.md. */
  terminalSocket: { method: "GET", path: "/api/v1/groups/:gid/actors/:aid/terminal/ws" },

  actorEnv: { method: "GET", path: "/api/v1/groups/:gid/actors/:aid/env" },
  setActorEnv: { method: "PUT", path: "/api/v1/groups/:gid/actors/:aid/env/:key" },
  unsetActorEnv: { method: "DELETE", path: "/api/v1/groups/:gid/actors/:aid/env/:key" },

  send: { method: "POST", path: "/api/v1/groups/:gid/send" },
  reply: { method: "POST", path: "/api/v1/groups/:gid/reply" },
  inbox: { method: "GET", path: "/api/v1/groups/:gid/inbox/:aid" },
  markRead: { method: "POST", path: "/api/v1/groups/:gid/inbox/:aid/read" },
  ledger: { method: "GET", path: "/api/v1/groups/:gid/ledger" },
  stream: { method: "GET", path: "/api/v1/groups/:gid/stream" },
  uploadBlob: { method: "POST", path: "/api/v1/groups/:gid/blobs" },
  getBlob: { method: "GET", path: "/api/v1/groups/:gid/blobs/:name" },

  listApprovals: { method: "GET", path: "/api/v1/groups/:gid/approvals" },
  requestApproval: { method: "POST", path: "/api/v1/groups/:gid/approvals" },
  getApproval: { method: "GET", path: "/api/v1/groups/:gid/approvals/:id" },
  decideApproval: { method: "POST", path: "/api/v1/groups/:gid/approvals/:id/decide" },

  imPlatforms: { method: "GET", path: "/api/v1/im/platforms" },
  im: { method: "GET", path: "/api/v1/groups/:gid/im" },
  imConfigure: { method: "PUT", path: "/api/v1/groups/:gid/im/config" },
  imStart: { method: "POST", path: "/api/v1/groups/:gid/im/start" },
  imStop: { method: "POST", path: "/api/v1/groups/:gid/im/stop" },
  imRemove: { method: "DELETE", path: "/api/v1/groups/:gid/im" },
  imPending: { method: "GET", path: "/api/v1/groups/:gid/im/pending" },
  imBind: { method: "POST", path: "/api/v1/groups/:gid/im/bind" },
  imAuthorized: { method: "GET", path: "/api/v1/groups/:gid/im/authorized" },
  imRevoke: { method: "POST", path: "/api/v1/groups/:gid/im/revoke" },
  imLogs: { method: "GET", path: "/api/v1/groups/:gid/im/logs" },
  /** DingTalk HTTP mode's message receiving URL; the platform's format, checked by its signature. */
  imWebhook: { method: "POST", path: "/webhooks/:platform/:gid" },

  /** The built Web UI (static files, SPA fallback). */
  webUi: { method: "GET", path: "/*" },
} as const satisfies Record<string, { method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; path: string }>;

export type RouteName = keyof typeof ROUTES;
export type RoutePath<N extends RouteName> = (typeof ROUTES)[N]["path"];

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** `{gid: string; aid: string}` for `/api/v1/groups/:gid/actors/:aid`; `{"*": string}` for `/*`. */
export type PathParams<N extends RouteName> = {
  [K in ParamNames<RoutePath<N>> | (RoutePath<N> extends `${string}*` ? "*" : never)]: string;
};

/** The path of a route with its parameters filled in (percent-encoded), and an optional query. */
export function pathOf<N extends RouteName>(
  name: N,
  params: PathParams<N>,
  query?: Record<string, string | number | undefined>,
): string {
  const values = params as Record<string, string>;
  const path = ROUTES[name].path.replace(/:([a-z_]+)/g, (_m, key: string) =>
    encodeURIComponent(values[key] ?? ""),
  );
  const pairs = Object.entries(query ?? {}).filter(([, v]) => v !== undefined);
  if (pairs.length === 0) return path;
  return `${path}?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&")}`;
}
