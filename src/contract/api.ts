/**
 * The schemas of every route in routes.ts, under the same names: the query and JSON body the daemon
 * validates (a bad one is a 400 naming the field), and the response it sends. The daemon's handlers
 * are typed by these (src/daemon/route.ts); the CLI, the MCP server and the Web UI use the inferred
 * types. This module and routes.ts are the source of truth for the HTTP API (docs/api.md).
 */
import type { z } from "zod";
import {
  ApprovalRequestBody,
  ApprovalResponse,
  ApprovalsResponse,
  ApprovalWaitQuery,
  DecideBody,
} from "./approvals.js";
import { EventResponse, EventsResponse, Ok } from "./common.js";
import {
  ActorEnvView,
  ActorResponse,
  ActorsResponse,
  AddActorBody,
  CreateGroupBody,
  GroupDetailResponse,
  GroupResponse,
  GroupsResponse,
  InterruptResponse,
  SetEnvBody,
  TerminalTextResponse,
  UpdateActorBody,
} from "./groups.js";
import { Health } from "./health.js";
import {
  AuthorizedResponse,
  BindBody,
  BindResponse,
  ImConfigBody,
  ImLogsQuery,
  ImLogsResponse,
  ImPlatformsResponse,
  ImView,
  PendingResponse,
  RevokeBody,
  RevokeResponse,
} from "./im.js";
import {
  AttachmentResponse,
  BlobQuery,
  LedgerQuery,
  LedgerResponse,
  MarkReadBody,
  ReplyBody,
  SendBody,
  StreamQuery,
} from "./messages.js";
import type { RouteName } from "./routes.js";

/** Answers that are not JSON of ours: file bytes, server-sent events, a WebSocket, a platform's format. */
export type RawResponse = "bytes" | "event-stream" | "websocket" | "platform" | "web-ui";

export interface RouteSpec {
  query?: z.ZodType;
  /** A JSON body (validated), or raw `bytes` (`application/octet-stream`). Absent: the body is ignored. */
  body?: z.ZodType | "bytes" | "platform";
  response: z.ZodType | RawResponse;
}

const actor = { response: ActorResponse } as const;
const event = { response: EventResponse } as const;

export const API = {
  health: { response: Health },

  listGroups: { response: GroupsResponse },
  createGroup: { body: CreateGroupBody, response: GroupResponse },
  getGroup: { response: GroupDetailResponse },
  startGroup: { response: GroupDetailResponse },
  stopGroup: { response: GroupDetailResponse },

  listActors: { response: ActorsResponse },
  addActor: { body: AddActorBody, response: ActorResponse },
  removeActor: { response: Ok },
  updateActor: { body: UpdateActorBody, ...actor },
  startActor: actor,
  stopActor: actor,
  restartActor: actor,
  interruptActor: { response: InterruptResponse },
  actorTerminal: { response: TerminalTextResponse },
  terminalSocket: { response: "websocket" },

  actorEnv: { response: ActorEnvView },
  setActorEnv: { body: SetEnvBody, response: ActorEnvView },
  unsetActorEnv: { response: ActorEnvView },

  send: { body: SendBody, ...event },
  reply: { body: ReplyBody, ...event },
  inbox: { response: EventsResponse },
  markRead: { body: MarkReadBody, ...event },
  ledger: { query: LedgerQuery, response: LedgerResponse },
  stream: { query: StreamQuery, response: "event-stream" },
  uploadBlob: { query: BlobQuery, body: "bytes", response: AttachmentResponse },
  getBlob: { response: "bytes" },

  listApprovals: { response: ApprovalsResponse },
  requestApproval: { body: ApprovalRequestBody, response: ApprovalResponse },
  getApproval: { query: ApprovalWaitQuery, response: ApprovalResponse },
  decideApproval: { body: DecideBody, response: ApprovalResponse },

  im: { response: ImView },
  imPlatforms: { response: ImPlatformsResponse },
  imConfigure: { body: ImConfigBody, response: ImView },
  imStart: { response: ImView },
  imStop: { response: ImView },
  imRemove: { response: Ok },
  imPending: { response: PendingResponse },
  imBind: { body: BindBody, response: BindResponse },
  imAuthorized: { response: AuthorizedResponse },
  imRevoke: { body: RevokeBody, response: RevokeResponse },
  imLogs: { query: ImLogsQuery, response: ImLogsResponse },
  imWebhook: { body: "platform", response: "platform" },

  webUi: { response: "web-ui" },
} as const satisfies { [N in RouteName]: RouteSpec };

type Spec<N extends RouteName> = (typeof API)[N];

/** What the daemon answers (2xx) on route N; `never` for raw answers. */
export type ResponseOf<N extends RouteName> = Spec<N>["response"] extends z.ZodType
  ? z.output<Spec<N>["response"]>
  : never;

/** The JSON body a client sends on route N (`undefined` when the route takes none). */
export type BodyOf<N extends RouteName> =
  Spec<N> extends { body: infer B extends z.ZodType }
    ? z.input<B>
    : Spec<N> extends { body: "bytes" }
      ? Uint8Array
      : undefined;

/** The body after validation, as the daemon's handler sees it (defaults applied). */
export type ParsedBodyOf<N extends RouteName> =
  Spec<N> extends { body: infer B extends z.ZodType } ? z.output<B> : unknown;

/** The query after validation, as the daemon's handler sees it. */
export type ParsedQueryOf<N extends RouteName> =
  Spec<N> extends { query: infer Q extends z.ZodType } ? z.output<Q> : Record<string, never>;
