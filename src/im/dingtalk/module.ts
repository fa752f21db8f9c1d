/**
 * DingTalk as a `PlatformModule` (src/im/platform.ts): everything the core, daemon, CLI and Web UI
 * need to know about DingTalk, in one object. Listed in src/im/platforms.ts.
 */
import { definePlatform } from "../platform.js";
import { DingTalkAdapter } from "./adapter.js";
import {
  CREDENTIAL_SPECS,
  type DingTalkCredentialRefs,
  type DingTalkCredentials,
  DingTalkImSchema,
  resolveDingTalkCredentials,
} from "./config.js";
import { classifyDingTalkError } from "./failures.js";
import { rateLimitsFromEnv } from "./rate-limit.js";
import { streamTimingFromEnv } from "./stream-options.js";
import { dingTalkUi } from "./ui.js";

export const dingtalk = definePlatform<DingTalkCredentials>({
  id: "dingtalk",
  ui: dingTalkUi,
  imSchema: DingTalkImSchema,
  credentials: CREDENTIAL_SPECS,
  cli: {
    flags: [
      {
        flag: "--app-key-env <name>",
        description: "variable holding the DingTalk AppKey",
        required: true,
        credential: "app_key",
      },
      {
        flag: "--app-secret-env <name>",
        description: "variable holding the DingTalk AppSecret",
        required: true,
        credential: "app_secret",
      },
      {
        flag: "--robot-code-env <name>",
        description: "variable holding the RobotCode (optional, recommended)",
        required: false,
        credential: "robot_code",
      },
    ],
  },
  resolveCredentials: (im, env, stored) =>
    resolveDingTalkCredentials(im as DingTalkCredentialRefs, env, stored),
  secretValues: (c) => [c.appKey, c.appSecret, c.robotCode ?? ""].filter(Boolean),
  lockKey: (c) => c.appKey,
  allowedUsers: (im) => {
    const users = im.dingtalk_allowed_users;
    return Array.isArray(users) ? users.map(String) : undefined;
  },
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
      stream: streamTimingFromEnv(env.CCCC_DINGTALK_STREAM_TIMING, log),
      api: { limits: rateLimitsFromEnv(env.CCCC_DINGTALK_RATE_LIMITS, log) },
      ...(creds?.httpToken ? { httpToken: creds.httpToken } : {}),
      ...(creds?.httpAesKey ? { httpAesKey: creds.httpAesKey } : {}),
    }),
  classifyError: classifyDingTalkError,
});
