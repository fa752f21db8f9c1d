/**
 * DingTalk's credentials: their wire ids, group.yaml keys, default variables and secrets-store keys.
 * Plain data (no zod), so the CLI can read it without loading the schema.
 */
import type { CredentialSpec as ModuleCredentialSpec } from "../platform.js";

export interface CredentialSpec {
  /** Wire name of the API, the CLI and the Web UI (`app_key`, `app_key_env`). */
  id: string;
  required: boolean;
  namedInConfig: boolean;
  label: string;
  envKey: string;
  defaultEnv: string;
  secretKey: string;
  flag: string;
}

export const SPECS = {
  appKey: {
    id: "app_key",
    required: true,
    namedInConfig: true,
    label: "app key (AppKey)",
    envKey: "dingtalk_app_key_env",
    defaultEnv: "DINGTALK_APP_KEY",
    secretKey: "dingtalk_app_key",
    flag: "--app-key-env",
  },
  appSecret: {
    id: "app_secret",
    required: true,
    namedInConfig: true,
    label: "app secret (AppSecret)",
    envKey: "dingtalk_app_secret_env",
    defaultEnv: "DINGTALK_APP_SECRET",
    secretKey: "dingtalk_app_secret",
    flag: "--app-secret-env",
  },
  robotCode: {
    id: "robot_code",
    required: false,
    namedInConfig: true,
    label: "robot code",
    envKey: "dingtalk_robot_code_env",
    defaultEnv: "DINGTALK_ROBOT_CODE",
    secretKey: "dingtalk_robot_code",
    flag: "--robot-code-env",
  },
  httpToken: {
    id: "http_token",
    required: false,
    namedInConfig: false,
    label: "HTTP-mode event token",
    envKey: "http_token_env",
    defaultEnv: "DINGTALK_HTTP_TOKEN",
    secretKey: "dingtalk_http_token",
    flag: "",
  },
  httpAesKey: {
    id: "http_aes_key",
    required: false,
    namedInConfig: false,
    label: "HTTP-mode event AES key",
    envKey: "http_aes_key_env",
    defaultEnv: "DINGTALK_HTTP_AES_KEY",
    secretKey: "dingtalk_http_aes_key",
    flag: "",
  },
} satisfies Record<string, CredentialSpec>;

/** The credentials as the platform module describes them (src/im/platform.ts). */
export const CREDENTIAL_SPECS: ModuleCredentialSpec[] = Object.values(SPECS).map((s) => ({
  id: s.id,
  envKey: s.envKey,
  defaultEnv: s.defaultEnv,
  secretKey: s.secretKey,
  required: s.required,
  namedInConfig: s.namedInConfig,
}));
