/** Shapes of the daemon's HTTP API as documented in docs/api.md and docs/im.md. */
import type {
  Attachment,
  ChatMessageData,
  LedgerEvent,
  SystemNotifyData,
} from "../../../src/kernel/types.ts";

export type { ChatStreamData } from "../../../src/daemon/stream-hub.ts";
export type { EventOf, LedgerEventData, LedgerKind } from "../../../src/kernel/event-kinds.ts";
export type { Attachment, ChatMessageData, LedgerEvent, SystemNotifyData };

export interface GroupSummary {
  group_id: string;
  title: string;
  state: string;
  running: boolean;
  actors: number;
  im: { platform: string; enabled: boolean } | null;
}

export type ActorStatus = "running" | "stopped" | "exited" | "crashed";

export interface ActorInfo {
  id: string;
  title: string;
  runtime: string;
  runner: string;
  command: string[];
  role: "foreman" | "peer";
  enabled: boolean;
  status: ActorStatus;
  pid?: number;
  exit_code?: number | null;
  unread: number;
  permissions?: "bypass" | "ask";
  /** A running actor that needs a human: a dialog on screen, no input prompt, no reaction to delivery. */
  attention?: { code: string; message: string; since?: number; screen: string[] };
}

/** An approval request of the group's inbox (docs/approvals.md). */
export interface Approval {
  approval_id: string;
  actor_id: string;
  tool: string;
  summary: string;
  requested_at: string;
  expires_at: string;
  status: "pending" | "approved" | "denied";
  decision?: {
    decision: "approve" | "deny" | "always";
    decided_by: string;
    via: string;
    reason?: string;
    decided_at: string;
  };
}

export interface NewActor {
  id: string;
  runtime: string;
  /** Absent: the runtime's default (structured for claude, pty for the others). */
  runner?: "pty" | "headless" | "structured";
  /** `ask`: a person approves risky tool calls (Claude Code, structured runner only). */
  permissions?: "bypass" | "ask";
  command?: string;
  title?: string;
  /** Plain variables (saved in group.yaml). */
  env?: Record<string, string>;
  /** Secret variables (0600 secrets store; never sent back). */
  secret_env?: Record<string, string>;
}

/** One of an actor's own variables; a secret comes back without its value. */
export interface ActorEnvEntry {
  key: string;
  secret: boolean;
  value?: string;
}

export interface ActorEnvView {
  env: ActorEnvEntry[];
  /** The actor runs with an older environment: a restart applies the changes. */
  restart_needed: boolean;
}

export type ImMode = "stream" | "http";

export type ImLanguage = "en" | "zh";

/** `im:` of group.yaml: the neutral keys, plus the platform's own (credential variable names…). */
export interface ImConfig {
  platform: string;
  enabled: boolean;
  [key: string]: unknown;
  files?: { enabled: boolean; max_mb: number };
  mode?: ImMode;
  /** The language of the bot's replies in chats. */
  language?: ImLanguage;
  /** Live AI cards for streamed replies (default on). */
  cards?: "on" | "off";
  /** Indicator for actors without a live stream: 🤔 reaction (default) or a "working" card. */
  working?: "reaction" | "card";
}

/** Per credential id of the platform: whether a value is available (env var or saved). */
export type ImSecrets = Record<string, boolean | undefined>;

export interface ImError {
  code: string;
  message: string;
  at?: string;
}

export interface ImStatus {
  running: boolean;
  state: "stopped" | "starting" | "running" | "error";
  connected: boolean;
  connected_since?: string;
  reconnects: number;
  subscribers: number;
  last_error?: ImError;
}

export interface ImState {
  config: ImConfig | null;
  secrets: ImSecrets;
  status: ImStatus;
}

/** Body of `PUT /im/config`. Omitted credentials keep what is stored. */
export interface ImConfigInput {
  platform: string;
  /** `<credential>` (a value) and `<credential>_env` (a variable name), per the platform's fields. */
  [field: string]: string | undefined;
  mode?: ImMode;
  language?: ImLanguage;
  cards?: "on" | "off";
  working?: "reaction" | "card";
}

/** A form field of Settings → IM Bridge (`GET /im/platforms`; src/im/platform.ts `UiField`). */
export interface PlatformField {
  kind: "secret" | "env";
  credential: string;
  label: string;
  placeholder: string;
  input?: "text" | "password";
  autoComplete?: string;
  hint?: string;
  optional?: boolean;
  mode?: ImMode;
  /** env fields: the group.yaml key holding the variable's name. */
  configKey?: string;
}

/** One platform as the Web UI renders it (src/im/platform.ts `PlatformUi`). */
export interface PlatformInfo {
  id: string;
  label: string;
  optionLabel: string;
  fields: PlatformField[];
  texts: {
    httpMode: string;
    modeHint: string;
    languageHint: string;
    envCommand: string;
    envIntro: string;
    subscribeHint: string;
    cardsHint: string;
    workingHint: string;
  };
  hints: { code: string; message?: string; title: string; steps: string[] }[];
}

export interface PendingRequest {
  key: string;
  chat_id: string;
  chat_type: string;
  chat_title?: string;
  user_name?: string;
  expires_at: string;
}

export interface AuthorizedChat {
  chat_id: string;
  chat_type: string;
  chat_title?: string;
  subscribed: boolean;
  paused: boolean;
  verbose: boolean;
  authorized_at?: string;
}
