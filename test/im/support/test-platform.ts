/**
 * A second, minimal platform for the registry tests: one credential, one CLI flag, one form field, a
 * strict schema, an adapter that records. It lives only in the test tree; no core file names it.
 */
import { z } from "zod";
import { definePlatform, type PlatformRuntime } from "../../../src/im/platform.js";
import { ConfigError } from "../../../src/kernel/errors.js";
import { RecordingAdapter } from "./recording-adapter.js";

interface EchoCredentials {
  token: string;
}

const EchoImSchema = z.looseObject({
  platform: z.literal("echo"),
  echo_token_env: z
    .string()
    .regex(/^[A-Z_]+$/, "must be a variable name")
    .optional(),
  echo_token: z.undefined({ error: "secret values are not allowed in group.yaml" }).optional(),
});

const runtime: PlatformRuntime<EchoCredentials> = {
  imSchema: EchoImSchema,
  resolveCredentials: (im, env, stored) => {
    const name = typeof im.echo_token_env === "string" ? im.echo_token_env : "ECHO_TOKEN";
    const token = env[name] ?? stored.echo_token;
    return token ? { token } : new ConfigError(`Echo token missing: export ${name}=…`);
  },
  secretValues: (c) => [c.token],
  lockKey: (c) => c.token,
  allowedUsers: () => undefined,
  approvers: () => undefined,
  createAdapter: () => new RecordingAdapter(),
};

export const echoPlatform = definePlatform<EchoCredentials>({
  id: "echo",
  ui: {
    id: "echo",
    label: "Echo Chat",
    optionLabel: "Echo Chat (test)",
    fields: [
      { kind: "secret", credential: "token", label: "Echo Token", placeholder: "Your echo token" },
      { kind: "env", credential: "token", label: "Echo Token env", placeholder: "ECHO_TOKEN" },
    ],
    texts: {
      httpMode: "Echo calls this daemon",
      modeHint: "Echo has one mode.",
      languageHint: "Replies in Echo.",
      envCommand: "cccc im set echo --token-env …",
      envIntro: "writes it to group.yaml.",
      subscribeHint: "in an Echo chat",
      cardsHint: "Echo has no cards.",
      workingHint: "Echo shows no working card.",
    },
    hints: [],
  },
  credentials: [
    {
      id: "token",
      envKey: "echo_token_env",
      defaultEnv: "ECHO_TOKEN",
      secretKey: "echo_token",
      required: true,
      namedInConfig: true,
    },
  ],
  cli: {
    flags: [
      {
        flag: "--token-env <name>",
        description: "variable holding the Echo token",
        required: true,
        credential: "token",
      },
    ],
  },
  classifyError: (error) => ((error as { code?: string }).code === "echo_slow_down" ? "retry" : undefined),
  load: async () => runtime,
});
