/** The IM bridge of a group: `/api/v1/groups/:gid/im…` (docs/im.md). Secret values go in, never out. */
import { z } from "zod";
import { LIMITS, text } from "../kernel/limits.js";

const ChatType = z.enum(["direct", "group"]);
const ImMode = z.enum(["stream", "http"]);
const ImLanguage = z.enum(["en", "zh"]);
const ImCards = z.enum(["on", "off"]);
const ImWorking = z.enum(["reaction", "card"]);

/**
 * The group's `im:` block as saved in group.yaml (names of variables, never values): the neutral
 * keys; each platform adds its own (`<platform>_…`, its module's schema in src/im/<platform>/).
 */
export const ImConfigView = z.looseObject({
  platform: z.string(),
  enabled: z.boolean(),
  mode: ImMode,
  files: z.looseObject({ enabled: z.boolean(), max_mb: z.number() }),
  /** The language of the bot's replies in chats. */
  language: ImLanguage,
  /** Live AI cards for streamed replies (`off`: messages only, and no live /status board). */
  cards: ImCards,
  /** Indicator for actors without a live stream: the 🤔 reaction, or a small "working" card. */
  working: ImWorking,
  /** The /status team board: how long and how often it updates itself. */
  board: z.looseObject({ live_minutes: z.number(), refresh_seconds: z.number() }).optional(),
});

/** Per credential id of the platform: whether a value is available (saved or in the environment). */
export const ImSecrets = z.record(z.string(), z.boolean());

export const ImStatus = z.strictObject({
  running: z.boolean(),
  state: z.enum(["stopped", "starting", "running", "error"]),
  connected: z.boolean(),
  connected_since: z.string().optional(),
  reconnects: z.number().int(),
  subscribers: z.number().int(),
  last_error: z.strictObject({ code: z.string(), message: z.string(), at: z.string() }).optional(),
  /** Inbound messages refused since start (per-chat rate limit); each chat was told. */
  refused_inbound: z.number().int().optional(),
  /** Outbound sends refused since start because a chat's queue was full (logged). */
  refused_outbound: z.number().int().optional(),
  /** Running: inbound messages received and acked, not yet handed to the agents (a flood waits here). */
  inbound_waiting: z.number().int().optional(),
  /** Running: messages queued for the platform (its rate limits pace them), and in how many chats. */
  outbound_waiting: z.number().int().optional(),
  outbound_waiting_chats: z.number().int().optional(),
  /** Under the supervisor: restarts after crashes, and when the next attempt is due. */
  restarts: z.number().int().optional(),
  next_restart_at: z.string().optional(),
});
export type ImStatus = z.infer<typeof ImStatus>;

/** `GET /im`, and the answer of every call that changes the bridge. */
export const ImView = z.strictObject({
  config: ImConfigView.nullable(),
  secrets: ImSecrets,
  status: ImStatus,
});
export type ImView = z.infer<typeof ImView>;

/**
 * `PUT /im/config`: the neutral keys, plus the platform's credential fields (`<credential>`, a value,
 * and `<credential>_env`, a variable name; which ones, the platform's module says — the daemon
 * checks them against it). Omitted credentials keep what is stored.
 */
export const ImConfigBody = z
  .object({
    platform: text(LIMITS.token),
    mode: ImMode.optional(),
    /** `im.language`: what the bot speaks in chats; unchanged when omitted. */
    language: ImLanguage.optional(),
    /** `im.cards` and `im.working`; unchanged when omitted. */
    cards: ImCards.optional(),
    working: ImWorking.optional(),
    /** Start (or restart) the bridge after saving; default true (the Web UI's Save Config). */
    start: z.boolean().optional(),
  })
  .catchall(z.union([text(LIMITS.credential), z.boolean()]).optional());
export type ImConfigBody = z.infer<typeof ImConfigBody>;

export const PendingRequest = z.strictObject({
  key: z.string(),
  chat_id: z.string(),
  chat_type: ChatType,
  chat_title: z.string(),
  user_name: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
});
export const PendingResponse = z.strictObject({ pending: z.array(PendingRequest) });

/** `actor`: the approving agent's id (wrong keys are throttled per source, docs/im.md). */
export const BindBody = z.object({
  key: text(LIMITS.token).trim().min(1),
  actor: text(LIMITS.token).optional(),
});
export const BindResponse = z.strictObject({
  chat: z.strictObject({ chat_id: z.string(), chat_type: z.string(), chat_title: z.string() }),
});

export const AuthorizedChat = z.strictObject({
  chat_id: z.string(),
  chat_type: ChatType,
  chat_title: z.string(),
  subscribed: z.boolean(),
  paused: z.boolean(),
  verbose: z.boolean(),
  /** Messages not delivered to this chat since it was paused. */
  held_back: z.number().int(),
  authorized_at: z.string(),
  /** Who approved it: `user`, `actor:<id>`, `allowed_user:<staff id>`, … */
  by: z.string(),
  /** The platform said the chat no longer exists (bot removed). */
  gone: z.strictObject({ at: z.string(), reason: z.string() }).optional(),
});
export const AuthorizedResponse = z.strictObject({ chats: z.array(AuthorizedChat) });

export const RevokeBody = z.object({ chat_id: text(LIMITS.token).min(1) });
export const RevokeResponse = z.strictObject({
  ok: z.literal(true),
  revoked: z.boolean(),
  unsubscribed: z.boolean(),
});

/** `GET /im/logs?n=N`: the last N lines (1–5000, default 200; anything else is the default). */
export const ImLogsQuery = z.object({ n: z.string().optional() });
export const ImLogsResponse = z.strictObject({ lines: z.array(z.string()) });

/** One form field of Settings → IM Bridge (src/im/platform.ts `UiField`). */
export const PlatformField = z.strictObject({
  kind: z.enum(["secret", "env"]),
  credential: z.string(),
  label: z.string(),
  placeholder: z.string(),
  /** `password` hides what is typed. */
  input: z.enum(["text", "password"]).optional(),
  autoComplete: z.string().optional(),
  hint: z.string().optional(),
  optional: z.boolean().optional(),
  /** Shown only in this receiving mode. */
  mode: ImMode.optional(),
  /** env fields: the group.yaml key holding the variable's name. */
  configKey: z.string().optional(),
});
/** One platform as Settings → IM Bridge renders it (src/im/platform.ts `PlatformUi`). */
export const PlatformInfo = z.strictObject({
  id: z.string(),
  label: z.string(),
  optionLabel: z.string(),
  /** The platform's name in chat texts per `im.language`, where it is not `label`. */
  chatNames: z.record(z.string(), z.string()).optional(),
  fields: z.array(PlatformField),
  texts: z.strictObject({
    httpMode: z.string(),
    modeHint: z.string(),
    languageHint: z.string(),
    envCommand: z.string(),
    envIntro: z.string(),
    subscribeHint: z.string(),
    cardsHint: z.string(),
    workingHint: z.string(),
  }),
  hints: z.array(
    z.strictObject({
      code: z.string(),
      message: z.string().optional(),
      title: z.string(),
      steps: z.array(z.string()),
    }),
  ),
});
export type PlatformInfo = z.infer<typeof PlatformInfo>;
export const ImPlatformsResponse = z.strictObject({ platforms: z.array(PlatformInfo) });
