/**
 * The DingTalk part of group.yaml's `im:` block, and credential resolution.
 * Secret values never live in group.yaml: only the *names* of environment variables do; values
 * come from the daemon's environment or the per-group secrets store (`secrets/<gid>.json`, filled
 * by the Web UI). An environment value wins over a stored one.
 */
import { z } from "zod";
import { LIMITS, text } from "../../kernel/config.js";
import { ConfigError } from "../../kernel/errors.js";
import { type CredentialSpec, SPECS } from "./credentials.js";

export { CREDENTIAL_SPECS } from "./credentials.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envName = z
  .string()
  .regex(ENV_NAME, "must be an environment variable name like DINGTALK_APP_KEY, not a secret value");

/** Literal secret keys that older CCCC versions accepted in group.yaml; refused here. */
export const FORBIDDEN_SECRET_KEYS = [
  "dingtalk_app_key",
  "dingtalk_app_secret",
  "dingtalk_robot_code",
  "http_token",
  "http_aes_key",
] as const;

export const DingTalkImSchema = z
  .looseObject({
    platform: z.literal("dingtalk"),
    mode: z.enum(["stream", "http"]).default("stream"),
    dingtalk_app_key_env: envName.optional(),
    dingtalk_app_secret_env: envName.optional(),
    dingtalk_robot_code_env: envName.optional(),
    /** HTTP mode, encrypted event callbacks only. */
    http_token_env: envName.optional(),
    http_aes_key_env: envName.optional(),
    /** Staff ids whose /subscribe is approved without a key. */
    dingtalk_allowed_users: z.array(z.string()).optional(),
    /** Staff ids who may decide approvals from DingTalk; default: whoever bound the chat. */
    dingtalk_approvers: z.array(text(LIMITS.token)).max(LIMITS.recipients).optional(),
    /** Another AI card template than the standard one (same variables: msgContent, msgTitle, flowStatus; protocol §3.10). */
    dingtalk_card_template_id: z.string().trim().min(1).max(200).optional(),
  })
  .superRefine((value, ctx) => {
    for (const key of FORBIDDEN_SECRET_KEYS) {
      if (value[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `secret values are not allowed in group.yaml; set ${key}_env to the name of an environment variable, or enter the value in the Web UI (Settings → IM Bridge)`,
        });
      }
    }
  });

export type DingTalkImConfig = z.infer<typeof DingTalkImSchema>;

/** Validate an `im:` block; the ConfigError names the file, the key and the fix. */
export function parseDingTalkImConfig(raw: unknown, file = "group.yaml"): DingTalkImConfig {
  const result = DingTalkImSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = ["im", ...(issue?.path ?? [])].map(String).join(".");
  throw new ConfigError(`${file}: ${key}: ${issue?.message ?? "invalid"}`, { file, key });
}

/** The fields credential resolution reads; the kernel's ImConfig satisfies it too. */
export interface DingTalkCredentialRefs {
  mode?: "stream" | "http";
  dingtalk_app_key_env?: string;
  dingtalk_app_secret_env?: string;
  dingtalk_robot_code_env?: string;
  http_token_env?: string;
  http_aes_key_env?: string;
}

export interface DingTalkCredentials {
  appKey: string;
  appSecret: string;
  robotCode?: string;
  /** HTTP mode event-callback token and AES key, when configured. */
  httpToken?: string;
  httpAesKey?: string;
}

function envNameFor(im: DingTalkCredentialRefs, spec: CredentialSpec): string {
  const configured = (im as Record<string, string | undefined>)[spec.envKey]?.trim();
  return configured ? configured : spec.defaultEnv;
}

function lookup(
  im: DingTalkCredentialRefs,
  env: Record<string, string | undefined>,
  secrets: Record<string, string>,
  spec: CredentialSpec,
): string | undefined {
  const fromEnv = env[envNameFor(im, spec)]?.trim();
  if (fromEnv) return fromEnv;
  const stored = secrets[spec.secretKey]?.trim();
  return stored ? stored : undefined;
}

function missingMessage(im: DingTalkCredentialRefs, missing: CredentialSpec[]): string {
  const lines = missing.map(
    (s) =>
      `- ${s.label}: environment variable ${envNameFor(im, s)} is not set in the CCCC daemon's environment and no value is stored for this group (secrets key ${s.secretKey})`,
  );
  const exports = missing.map((s) => `export ${envNameFor(im, s)}=…`).join("; ");
  const flags = [SPECS.appKey, SPECS.appSecret].map((s) => `${s.flag} ${envNameFor(im, s)}`).join(" ");
  return [
    "DingTalk credentials are missing:",
    ...lines,
    `Fix: ${exports}, then run \`cccc im set dingtalk ${flags}\` and restart the daemon from that shell (\`cccc daemon stop\`, then \`cccc\`) so it inherits the variables;`,
    "or enter the values in the Web UI (Settings → IM Bridge), which stores them for this group.",
  ].join("\n");
}

/** Resolve credential values: env var (named in group.yaml, or the default name) wins over the store. */
export function resolveDingTalkCredentials(
  im: DingTalkCredentialRefs,
  env: Record<string, string | undefined>,
  secrets: Record<string, string>,
): DingTalkCredentials | ConfigError {
  const appKey = lookup(im, env, secrets, SPECS.appKey);
  const appSecret = lookup(im, env, secrets, SPECS.appSecret);
  const missing: CredentialSpec[] = [];
  if (!appKey) missing.push(SPECS.appKey);
  if (!appSecret) missing.push(SPECS.appSecret);
  if (!appKey || !appSecret) {
    return new ConfigError(missingMessage(im, missing), {
      missing: missing.map((s) => ({ credential: s.secretKey, env: envNameFor(im, s) })),
    });
  }
  const out: DingTalkCredentials = { appKey, appSecret };
  // Optional even when named in group.yaml: the setup guide marks it "optional but recommended".
  const robotCode = lookup(im, env, secrets, SPECS.robotCode);
  if (robotCode) out.robotCode = robotCode;
  const httpToken = lookup(im, env, secrets, SPECS.httpToken);
  const httpAesKey = lookup(im, env, secrets, SPECS.httpAesKey);
  if (httpAesKey && !/^[A-Za-z0-9+/]{43}$/.test(httpAesKey)) {
    return new ConfigError(
      `DingTalk HTTP-mode AES key (${envNameFor(im, SPECS.httpAesKey)}) must be the 43-character key shown in the DingTalk console (event subscription → encryption key)`,
      { credential: SPECS.httpAesKey.secretKey, env: envNameFor(im, SPECS.httpAesKey) },
    );
  }
  if (httpToken) out.httpToken = httpToken;
  if (httpAesKey) out.httpAesKey = httpAesKey;
  return out;
}

/**
 * Every environment variable name that may hold a credential of this `im:` block: the default
 * names (README tells users to export exactly those), the configured ones, and any other `*_env`
 * key. Actors never see these variables (docs/runners.md, "Actor environment").
 */
export function credentialEnvNames(im: Record<string, unknown> | null | undefined): string[] {
  const names = new Set<string>(Object.values(SPECS).map((s) => s.defaultEnv));
  for (const [key, value] of Object.entries(im ?? {})) {
    if (key.endsWith("_env") && typeof value === "string" && value.trim()) names.add(value.trim());
  }
  return [...names];
}
