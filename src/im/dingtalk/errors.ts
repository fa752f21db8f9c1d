/**
 * Typed DingTalk errors with stable codes and the classifier that turns DingTalk's error
 * bodies into them. The message is what a user sees: what went wrong, then
 * what to do. Wording for credentials and permissions follows the seed setup guide's troubleshooting
 * headings ("Invalid appkey", "No permission").
 */
import { type RetryClass, TransportError } from "../transport/errors.js";

export interface PlatformErrorDetails {
  /** DingTalk's own code (`InvalidAuthentication`, `90018`, …). */
  platformCode?: string;
  httpStatus?: number;
  /** Which call failed, e.g. `robot.groupMessages.send`. */
  api?: string;
  /** The permission the app lacks, for `dingtalk_no_permission`. */
  scope?: string;
  /** Transport retry class (transport/errors.ts); default `no`. */
  retry?: RetryClass;
  /** DingTalk rejected the access token: fetch a fresh one and repeat the call once. */
  refreshToken?: boolean;
}

/** DingTalk answered and said no. */
export class PlatformApiError extends TransportError {
  readonly refreshToken: boolean;
  readonly platformCode?: string;
  readonly httpStatus?: number;
  readonly scope?: string;

  constructor(
    code: string,
    message: string,
    readonly hint: string,
    details: PlatformErrorDetails = {},
  ) {
    super(code, hint ? `${message}. ${hint}` : message, statusFor(code), { ...details });
    this.refreshToken = details.refreshToken ?? false;
    this.platformCode = details.platformCode;
    this.httpStatus = details.httpStatus;
    this.scope = details.scope;
  }
}

/** DingTalk did not answer (connection refused, reset, timeout): transient, retried with backoff. */
export class NetworkError extends TransportError {
  constructor(
    readonly api: string,
    cause: string,
  ) {
    super(
      "dingtalk_network_error",
      `No answer from DingTalk (${api}): ${cause}. Check network connectivity to DingTalk; the bridge retries on its own.`,
      502,
      { retry: "backoff" },
    );
  }
}

/** A download over the size cap (declared or as it streamed). */
export function fileTooLarge(maxBytes: number): PlatformApiError {
  return new PlatformApiError(
    "dingtalk_file_too_large",
    `The file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`,
    "Raise im.files.max_mb in group.yaml or send a smaller file",
  );
}

function statusFor(code: string): number {
  if (code === "dingtalk_throttled" || code === "dingtalk_server_error") return 503;
  if (code === "dingtalk_no_permission") return 403;
  return code.startsWith("dingtalk_invalid_app") ? 400 : 502;
}

/** A failed DingTalk response reduced to the fields that matter (any family). */
export interface FailureBody {
  httpStatus: number;
  code: string;
  subCode?: string;
  message: string;
  body: unknown;
}

const THROTTLE = /QpsLimit|^90018$|^90002$|^410100$|^660026$|send\.too\.fast|too\.many/i;
const TOKEN = /^InvalidAuthentication$|^40014$|^40000$|token\.notExisted|invalidParameter\.token\.invalid/;
const QUOTA = /ApiCountLimitForOrg|^90020$|^20001$/;
const CHAT_GONE =
  /^invalid\.openConversationId$|openConversationId\.invalid|^group\.disbanded$|^resource\.unavailable$/;
const WEBHOOK_GONE = /^3000\d\d$|^400101$|^300005$/;

export function classify(failure: FailureBody, api: string): PlatformApiError {
  const { httpStatus, message } = failure;
  const code = failure.code;
  const sub = failure.subCode ?? "";
  const base = { platformCode: code, httpStatus, api };
  const said = `DingTalk said ${code}${message ? ` "${message}"` : ""}`;

  if (/invalidClientIdOrSecret|^40096$|^40089$/.test(code) || /Invalid appkey/i.test(message)) {
    return new PlatformApiError(
      "dingtalk_invalid_app_key",
      `Invalid appkey: DingTalk rejected the AppKey/AppSecret pair (${said})`,
      "Copy AppKey and AppSecret again from the DingTalk Open Platform (your app → Credentials & Basic Info), check the environment variables named in group.yaml (dingtalk_app_key_env, dingtalk_app_secret_env) hold them, and make sure the application is published",
      base,
    );
  }
  if (/invalidClientSecret|invalidAppSecret|^40001$/.test(code)) {
    return new PlatformApiError(
      "dingtalk_invalid_app_secret",
      `Invalid appsecret: DingTalk rejected the AppSecret (${said})`,
      "Copy AppSecret again from the DingTalk Open Platform (your app → Credentials & Basic Info) into the environment variable named by dingtalk_app_secret_env; it changes when rotated",
      base,
    );
  }
  if (TOKEN.test(code) || (code === "88" && sub === "40014")) {
    return new PlatformApiError(
      "dingtalk_invalid_token",
      `DingTalk rejected the access token (${said})`,
      "The bridge fetches a fresh token and retries once; if this repeats, restart the bridge with `cccc im stop` and `cccc im start`",
      { ...base, refreshToken: true },
    );
  }
  if (QUOTA.test(code)) {
    return new PlatformApiError(
      "dingtalk_quota_exhausted",
      `DingTalk quota exhausted: the organization used up its monthly API or robot message quota (${said})`,
      "Wait for the quota to reset (next month) or upgrade the DingTalk edition; nothing can be sent until then",
      base,
    );
  }
  if (THROTTLE.test(code) || httpStatus === 429) {
    return new PlatformApiError(
      "dingtalk_throttled",
      `DingTalk is throttling calls (${said})`,
      "The bridge slows down and retries on its own; if it persists, send fewer messages",
      { ...base, retry: "after" },
    );
  }
  if (/AccessTokenPermissionDenied|^60011$|Forbidden\.AccessDenied/.test(code) || sub === "60011") {
    const scope = permissionScope(failure) ?? "unknown";
    return new PlatformApiError(
      "dingtalk_no_permission",
      `No permission: the DingTalk app lacks the permission "${scope}" needed for ${api} (${said})`,
      `In the DingTalk Open Platform open your app → Permissions, apply for "${scope}", make sure the app is visible to the user and publish a new version`,
      { ...base, scope },
    );
  }
  if (CHAT_GONE.test(code)) {
    return new PlatformApiError(
      "dingtalk_chat_gone",
      `DingTalk cannot deliver to this chat: the group is gone or the robot is no longer in it (${said})`,
      "Add the robot to the group again and send /subscribe, or unsubscribe this chat",
      base,
    );
  }
  if (WEBHOOK_GONE.test(code)) {
    return new PlatformApiError(
      "dingtalk_webhook_expired",
      `The chat's reply link (sessionWebhook) expired (${said})`,
      "The bridge falls back to the robot OpenAPI; a new message from the chat refreshes the link",
      base,
    );
  }
  if (/robotCode/.test(code) || /^40010[2-5]$/.test(code) || code === "bot.stopped") {
    return new PlatformApiError(
      "dingtalk_robot_unavailable",
      `DingTalk refused the robot (${said})`,
      "Check the robot is enabled for the app and that the robot code (dingtalk_robot_code_env) equals the app's RobotCode, usually the AppKey",
      base,
    );
  }
  if (httpStatus >= 500 || code === "-1") {
    return new PlatformApiError(
      "dingtalk_server_error",
      `DingTalk had a server error (${said})`,
      "The bridge retries on its own",
      { ...base, retry: "backoff" },
    );
  }
  return new PlatformApiError("dingtalk_api_error", `DingTalk refused ${api} (${said})`, "", base);
}

/** The permission named by a 403/60011 body: `accessdenieddetail.requiredScopes` or `[scope]` text. */
function permissionScope(failure: FailureBody): string | undefined {
  const body = failure.body as { accessdenieddetail?: { requiredScopes?: unknown } } | undefined;
  const scopes = body?.accessdenieddetail?.requiredScopes;
  if (Array.isArray(scopes) && typeof scopes[0] === "string") return scopes.join(", ");
  const m =
    /\[([A-Za-z0-9_.]+)\]/.exec(failure.message) ??
    /(qyapi_[a-z_]+|[A-Z][a-z]+\.[A-Za-z.]+\.\w+)/.exec(failure.message);
  return m?.[1];
}

/** Replace secrets, tokens and sensitive query values in text that is about to be logged. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out.replace(/([?&](?:access_token|session|ticket|appsecret|appkey)=)[^&\s"]+/gi, "$1***");
}
