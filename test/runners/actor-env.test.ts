import { describe, expect, it } from "vitest";
import { credentialEnvNames } from "../../src/im/dingtalk/config.js";
import { buildActorEnv, scrubDaemonEnv } from "../../src/runners/actor-env.js";
import { assertClaudeRootSandbox } from "../../src/runners/sandbox-check.js";

describe("scrubDaemonEnv", () => {
  it("drops withheld names, variables holding a stored secret, and CCCC internals", () => {
    const env = scrubDaemonEnv(
      {
        HOME: "/root",
        SHLVL: "1",
        DINGTALK_APP_SECRET: "s1",
        RENAMED: "a-stored-secret-value",
        PADDED: " a-stored-secret-value\n",
        CCCC_HOME: "/h",
        CCCC_PORT: "8848",
        CCCC_DELIVERY_TIMINGS: "{}",
        CCCC_DINGTALK_API_BASE: "http://x",
        UNSET: undefined,
      },
      { names: ["DINGTALK_APP_SECRET"], values: ["a-stored-secret-value", "1"] },
    );
    // "1" is too short to be matched by value: SHLVL stays.
    expect(env).toEqual({ HOME: "/root", SHLVL: "1", CCCC_HOME: "/h", CCCC_PORT: "8848" });
  });

  it("lets an actor's own variables and secrets win over the daemon's", () => {
    const env = buildActorEnv({
      base: { PATH: "/usr/bin", ANTHROPIC_API_KEY: "daemon-key", DINGTALK_APP_KEY: "k" },
      withheld: { names: credentialEnvNames(undefined), values: [] },
      actorEnv: { ANTHROPIC_BASE_URL: "https://api.moonshot.cn/anthropic" },
      actorSecrets: { ANTHROPIC_API_KEY: "actor-key" },
      home: "/h",
      groupId: "g_1",
      actorId: "a",
      ccccBinDir: "/bin/cccc",
    });
    expect(env.ANTHROPIC_API_KEY).toBe("actor-key");
    expect(env.ANTHROPIC_BASE_URL).toBe("https://api.moonshot.cn/anthropic");
    expect(env.DINGTALK_APP_KEY).toBeUndefined();
  });
});

describe("credentialEnvNames", () => {
  it("names the defaults, the configured names and any *_env key of an im block", () => {
    const names = credentialEnvNames({
      platform: "dingtalk",
      dingtalk_app_secret_env: "ACME_SECRET",
      http_aes_key_env: "ACME_AES",
      future_thing_env: "ACME_FUTURE",
      mode: "stream",
    });
    expect(names).toEqual(
      expect.arrayContaining([
        "DINGTALK_APP_KEY",
        "DINGTALK_APP_SECRET",
        "DINGTALK_ROBOT_CODE",
        "DINGTALK_HTTP_TOKEN",
        "DINGTALK_HTTP_AES_KEY",
        "ACME_SECRET",
        "ACME_AES",
        "ACME_FUTURE",
      ]),
    );
    expect(names).not.toContain("stream");
  });
});

describe("assertClaudeRootSandbox", () => {
  const base = { actorId: "c", runtime: "claude", argv: ["claude", "--dangerously-skip-permissions"] };
  it("refuses root + claude + the flag without IS_SANDBOX, saying what to do", () => {
    expect(() => assertClaudeRootSandbox({ ...base, env: {}, uid: 0 })).toThrow(
      /cccc actor env set c IS_SANDBOX=1/,
    );
  });
  it("allows a normal user, IS_SANDBOX, other runtimes, or no flag", () => {
    expect(() => assertClaudeRootSandbox({ ...base, env: {}, uid: 1000 })).not.toThrow();
    expect(() => assertClaudeRootSandbox({ ...base, env: { IS_SANDBOX: "1" }, uid: 0 })).not.toThrow();
    expect(() => assertClaudeRootSandbox({ ...base, runtime: "codex", env: {}, uid: 0 })).not.toThrow();
    expect(() => assertClaudeRootSandbox({ ...base, argv: ["claude"], env: {}, uid: 0 })).not.toThrow();
  });
});
