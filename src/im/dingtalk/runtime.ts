/**
 * The parts of the DingTalk module that need zod or the adapter's code, loaded by the daemon on first
 * use (src/im/dingtalk/module.ts `load`).
 */
import type { PlatformRuntime } from "../platform.js";
import { DingTalkAdapter } from "./adapter.js";
import {
  type DingTalkCredentialRefs,
  type DingTalkCredentials,
  DingTalkImSchema,
  resolveDingTalkCredentials,
} from "./config.js";
import { rateLimitsFromEnv } from "./rate-limit.js";
import { streamTimingFromEnv } from "./stream-options.js";

export const runtime: PlatformRuntime<DingTalkCredentials> = {
  imSchema: DingTalkImSchema,
  resolveCredentials: (im, env, stored) =>
    resolveDingTalkCredentials(im as DingTalkCredentialRefs, env, stored),
  secretValues: (c) => [c.appKey, c.appSecret, c.robotCode ?? ""].filter(Boolean),
  lockKey: (c) => c.appKey,
  allowedUsers: (im) => strings(im.dingtalk_allowed_users),
  approvers: (im) => strings(im.dingtalk_approvers),
  createAdapter: ({ im, credentials: creds, env, stateDir, log }) =>
    new DingTalkAdapter({
      appKey: creds?.appKey ?? "",
      appSecret: creds?.appSecret ?? "",
      ...(creds?.robotCode ? { robotCode: creds.robotCode } : {}),
      apiBase: env.CCCC_DINGTALK_API_BASE || "https://api.dingtalk.com",
      oapiBase: env.CCCC_DINGTALK_OAPI_BASE || "https://oapi.dingtalk.com",
      stateDir,
      log,
      mode: im.mode,
      cards: {
        enabled: im.cards !== "off",
        ...(typeof im.dingtalk_card_template_id === "string"
          ? { templateId: im.dingtalk_card_template_id }
          : {}),
      },
      stream: streamTimingFromEnv(env.CCCC_DINGTALK_STREAM_TIMING, log),
      api: { limits: rateLimitsFromEnv(env.CCCC_DINGTALK_RATE_LIMITS, log) },
      ...(creds?.httpToken ? { httpToken: creds.httpToken } : {}),
      ...(creds?.httpAesKey ? { httpAesKey: creds.httpAesKey } : {}),
    }),
};

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}
