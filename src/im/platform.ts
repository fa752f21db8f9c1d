/**
 * The one seam between the platform-neutral core (bridge, daemon, CLI, Web UI) and a chat platform.
 * A platform is one folder under `src/im/` that exports one `PlatformModule`; `platforms.ts` lists
 * them. The core never names a platform: it reads everything it needs from the module
 * (docs/architecture.md, "Adding a platform").
 */
import type { z } from "zod";
import type { ImBoard } from "../kernel/config.js";
import type { ConfigError } from "../kernel/errors.js";
import type { PlatformAdapter } from "./types.js";

/**
 * What the core does with a failed platform call: `retry` with backoff (throttled, the platform's
 * own outage, the network), `gone` (the chat no longer exists for the bot: stop sending to it), or
 * `fatal` (give up on this message; the error is logged and shown).
 */
export type FailureClass = "retry" | "gone" | "fatal";

/** An error that says which `FailureClass` it is. Adapters map their own errors to it. */
export interface ClassifiedError {
  readonly failure: FailureClass;
}

const CLASSES: ReadonlySet<string> = new Set<FailureClass>(["retry", "gone", "fatal"]);

/** The class an error carries, or undefined (then the core's neutral rules decide). */
export function failureOf(error: unknown): FailureClass | undefined {
  if (!error || typeof error !== "object" || !("failure" in error)) return undefined;
  const failure = (error as { failure: unknown }).failure;
  return typeof failure === "string" && CLASSES.has(failure) ? (failure as FailureClass) : undefined;
}

/** Mark `error` with its class (no-op for undefined or a non-object); returns the same error. */
export function withFailure<E>(error: E, failure: FailureClass | undefined): E {
  if (failure && error && typeof error === "object" && failureOf(error) === undefined) {
    Object.defineProperty(error, "failure", { value: failure, enumerable: false, configurable: true });
  }
  return error;
}

/** One credential: where its value comes from (env var named in group.yaml, or the secrets store). */
export interface CredentialSpec {
  /** Wire name: `PUT /im/config` takes `<id>` (value) and `<id>_env` (name); the view's `secrets.<id>`. */
  id: string;
  /** The group.yaml key holding the variable's name, e.g. `<platform>_app_key_env`. */
  envKey: string;
  /** The variable read when group.yaml names none. */
  defaultEnv: string;
  /** The key in the group's 0600 secrets store. */
  secretKey: string;
  /** Needed to start the bridge. */
  required: boolean;
  /** group.yaml always names this variable (the default when none was given); API and Web UI take `<id>_env`. */
  namedInConfig: boolean;
}

/** A flag of `cccc im set <platform>`: `--<flag> <name>` names the variable holding a credential. */
export interface CliFlag {
  /** Commander spelling, e.g. `--app-key-env <name>`. */
  flag: string;
  description: string;
  required: boolean;
  /** The credential whose variable this flag names. */
  credential: string;
}

/**
 * One form field of Settings → IM Bridge, rendered generically by the Web UI (served by
 * `GET /api/v1/im/platforms`). `secret` fields send `<credential>`; `env` fields `<credential>_env`.
 */
export interface UiField {
  kind: "secret" | "env";
  credential: string;
  label: string;
  placeholder: string;
  /** `password` hides what is typed. */
  input?: "text" | "password";
  autoComplete?: string;
  hint?: string;
  optional?: boolean;
  /** Shown only in this receiving mode. */
  mode?: "stream" | "http";
  /** env fields: the group.yaml key holding the variable's name (filled in by the registry). */
  configKey?: string;
}

/** A troubleshooting hint shown beside a bridge error whose code or message matches. */
export interface UiHint {
  /** Regular expression source, tested case-insensitively against the error code. */
  code: string;
  /** Regular expression source, tested case-insensitively against the error message. */
  message?: string;
  title: string;
  steps: string[];
}

/** What the Web UI needs to know about a platform; plain JSON. */
export interface PlatformUi {
  id: string;
  /** Short name in running text ("Connecting to …"). */
  label: string;
  /** The platform picker's option text. */
  optionLabel: string;
  /** The platform's name in chat texts per `im.language`, where it is not `label` (e.g. zh). */
  chatNames?: Record<string, string>;
  fields: UiField[];
  /** Texts of the generic form, each naming the platform as its users know it. */
  texts: {
    httpMode: string;
    modeHint: string;
    languageHint: string;
    /** The CLI command that writes the variable names, shown in code style before `envIntro`. */
    envCommand: string;
    envIntro: string;
    subscribeHint: string;
    /** Under "Live reply cards": what the platform's cards are and what they need. */
    cardsHint: string;
    /** Under the "Working" card option. */
    workingHint: string;
  };
  hints: UiHint[];
}

/** An HTTP-mode callback as the daemon received it. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  query: Record<string, string>;
}

export interface WebhookResponse {
  status: number;
  body: unknown;
}

/** The adapter a module builds; `receiveWebhook` when the platform has an HTTP mode. */
export interface ModuleAdapter extends PlatformAdapter {
  receiveWebhook?(req: WebhookRequest): Promise<WebhookResponse>;
}

/** The platform-neutral part of `im:` the core reads (kernel/config.ts `ImConfigSchema`). */
export interface ImBase {
  platform: string;
  enabled: boolean;
  mode: "stream" | "http";
  files: { enabled: boolean; max_mb: number };
  language: "en" | "zh";
  /** Live reply cards where the platform has them (`off`: messages only). */
  cards: "on" | "off";
  /** The "working" indicator for actors without a live stream. */
  working: "reaction" | "card";
  /** The /status team board's timing (kernel `ImBoardSchema`, used by src/im/board.ts). */
  board?: ImBoard;
  [key: string]: unknown;
}

export interface AdapterInput<Creds> {
  im: ImBase;
  /** Undefined: built only to read and change state files (no credentials). */
  credentials: Creds | undefined;
  env: NodeJS.ProcessEnv;
  stateDir: string;
  log(line: string): void;
}

/**
 * A platform: plain descriptors (read by the CLI, which must start fast) and `load()` for the parts
 * that need zod or the adapter's code (read by the daemon).
 */
export interface PlatformModule<Creds = unknown> {
  /** `im.platform` in group.yaml, the `<platform>` of `cccc im set`, the webhook path segment. */
  id: string;
  ui: PlatformUi;
  credentials: CredentialSpec[];
  cli: { flags: CliFlag[] };
  /** The class of one of this platform's errors (by its code), for errors not already classified. */
  classifyError(error: unknown): FailureClass | undefined;
  load(): Promise<PlatformRuntime<Creds>>;
}

export interface PlatformRuntime<Creds> {
  /** The strict schema of this platform's keys of `im:` (unknown keys kept; secret values refused). */
  imSchema: z.ZodType<Record<string, unknown>>;
  /** Values from env vars (named in `im`, else the defaults) or the store; a ConfigError says what is missing. */
  resolveCredentials(
    im: Record<string, unknown>,
    env: NodeJS.ProcessEnv,
    stored: Record<string, string>,
  ): Creds | ConfigError;
  /** The values the bridge log must redact. */
  secretValues(credentials: Creds): string[];
  /** The identity one process at a time may consume (e.g. the app key). */
  lockKey(credentials: Creds): string;
  /** Users whose /subscribe is approved without a key (`im.<platform>_allowed_users`). */
  allowedUsers(im: Record<string, unknown>): string[] | undefined;
  /** Users who may decide approvals from a chat (`im.<platform>_approvers`); undefined: whoever bound it. */
  approvers(im: Record<string, unknown>): string[] | undefined;
  createAdapter(input: AdapterInput<Creds>): ModuleAdapter;
}

/**
 * A module with its credentials' type erased, as the registry holds it. The registry only hands a
 * module's own `resolveCredentials` result back to that module, so the erasure is safe.
 */
export function definePlatform<Creds>(module: PlatformModule<Creds>): PlatformModule {
  return module as unknown as PlatformModule;
}
