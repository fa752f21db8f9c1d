import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type DingTalkCredentials,
  parseDingTalkImConfig,
  resolveDingTalkCredentials,
} from "../../../src/im/dingtalk/config.js";
import { ConfigError } from "../../../src/kernel/errors.js";

// The block `cccc im set dingtalk …` writes (seed-dingtalk-setup.txt step 3, im-spec §2.5).
const SEED_YAML = `
im:
  platform: dingtalk
  files: {enabled: true, max_mb: 10}
  dingtalk_app_key_env: DINGTALK_APP_KEY
  dingtalk_app_secret_env: DINGTALK_APP_SECRET
  dingtalk_robot_code_env: DINGTALK_ROBOT_CODE
  enabled: false
`;

const seedIm = () => parseDingTalkImConfig((parse(SEED_YAML) as { im: unknown }).im);

function ok(result: DingTalkCredentials | ConfigError): DingTalkCredentials {
  if (result instanceof ConfigError) throw result;
  return result;
}

function err(result: DingTalkCredentials | ConfigError): ConfigError {
  if (!(result instanceof ConfigError))
    throw new Error(`expected a ConfigError, got ${JSON.stringify(result)}`);
  return result;
}

describe("DingTalk im: schema", () => {
  it("accepts the seed block, defaults mode to stream and keeps other keys", () => {
    const im = seedIm();
    expect(im.mode).toBe("stream");
    expect(im.dingtalk_app_key_env).toBe("DINGTALK_APP_KEY");
    expect(im.files).toEqual({ enabled: true, max_mb: 10 });
    expect(im.enabled).toBe(false);
  });

  it("accepts HTTP mode with token and AES key env names", () => {
    const im = parseDingTalkImConfig({
      platform: "dingtalk",
      mode: "http",
      http_token_env: "DT_TOKEN",
      http_aes_key_env: "DT_AES",
    });
    expect(im.mode).toBe("http");
  });

  it.each(["dingtalk_app_key", "dingtalk_app_secret", "dingtalk_robot_code", "http_token", "http_aes_key"])(
    "refuses a literal secret under %s, naming the file, key and fix",
    (key) => {
      const run = () =>
        parseDingTalkImConfig({ platform: "dingtalk", [key]: "s3cr3t" }, "/h/groups/g/group.yaml");
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(`/h/groups/g/group.yaml: im.${key}: secret values are not allowed in group.yaml`);
      expect(run).toThrow(`${key}_env`);
    },
  );

  it("refuses a bad mode, another platform and a value that is not an env var name", () => {
    expect(() => parseDingTalkImConfig({ platform: "dingtalk", mode: "websocket" })).toThrow(/im\.mode/);
    expect(() => parseDingTalkImConfig({ platform: "slack" })).toThrow(/im\.platform/);
    expect(() =>
      parseDingTalkImConfig({ platform: "dingtalk", dingtalk_app_secret_env: "abc-123/xyz=" }),
    ).toThrow(/im\.dingtalk_app_secret_env: must be an environment variable name/);
  });
});

describe("resolveDingTalkCredentials", () => {
  const env = { DINGTALK_APP_KEY: "dingkey", DINGTALK_APP_SECRET: "sec", DINGTALK_ROBOT_CODE: "robot" };

  it("reads the env vars named in group.yaml", () => {
    expect(ok(resolveDingTalkCredentials(seedIm(), env, {}))).toEqual({
      appKey: "dingkey",
      appSecret: "sec",
      robotCode: "robot",
    });
  });

  it("uses custom env var names", () => {
    const im = { dingtalk_app_key_env: "MY_KEY", dingtalk_app_secret_env: "MY_SECRET" };
    expect(
      ok(resolveDingTalkCredentials(im, { MY_KEY: "k", MY_SECRET: "s", DINGTALK_APP_KEY: "other" }, {})),
    ).toEqual({ appKey: "k", appSecret: "s" });
  });

  it("falls back to the secrets store (Web UI), and an env value wins over a stored one", () => {
    const stored = {
      dingtalk_app_key: "storedkey",
      dingtalk_app_secret: "storedsec",
      dingtalk_robot_code: "storedrc",
    };
    expect(ok(resolveDingTalkCredentials({}, {}, stored))).toEqual({
      appKey: "storedkey",
      appSecret: "storedsec",
      robotCode: "storedrc",
    });
    expect(ok(resolveDingTalkCredentials(seedIm(), { DINGTALK_APP_KEY: "envkey" }, stored)).appKey).toBe(
      "envkey",
    );
    // Blank env values do not shadow a stored value.
    expect(ok(resolveDingTalkCredentials(seedIm(), { DINGTALK_APP_KEY: "  " }, stored)).appKey).toBe(
      "storedkey",
    );
  });

  it("treats the robot code as optional even when its env var is named (the guide says so)", () => {
    const creds = ok(
      resolveDingTalkCredentials(seedIm(), { DINGTALK_APP_KEY: "k", DINGTALK_APP_SECRET: "s" }, {}),
    );
    expect(creds).toEqual({ appKey: "k", appSecret: "s" });
  });

  it("says exactly which variable is missing and how to set it", () => {
    const e = err(resolveDingTalkCredentials(seedIm(), { DINGTALK_APP_KEY: "k" }, {}));
    expect(e.code).toBe("invalid_config");
    expect(e.message).toContain("environment variable DINGTALK_APP_SECRET is not set");
    expect(e.message).not.toContain("environment variable DINGTALK_APP_KEY is not set");
    expect(e.message).toContain("export DINGTALK_APP_SECRET=");
    expect(e.message).toContain(
      "cccc im set dingtalk --app-key-env DINGTALK_APP_KEY --app-secret-env DINGTALK_APP_SECRET",
    );
    expect(e.message).toContain("Web UI");
    expect(e.details).toEqual({
      missing: [{ credential: "dingtalk_app_secret", env: "DINGTALK_APP_SECRET" }],
    });
  });

  it("names custom variables and both credentials when both are missing", () => {
    const e = err(
      resolveDingTalkCredentials({ dingtalk_app_key_env: "K1", dingtalk_app_secret_env: "S1" }, {}, {}),
    );
    expect(e.message).toContain("environment variable K1 is not set");
    expect(e.message).toContain("environment variable S1 is not set");
    expect(e.message).toContain("export K1=…; export S1=…");
  });

  it("resolves HTTP-mode token and AES key, validating the key length", () => {
    const im = { mode: "http" as const, http_token_env: "T", http_aes_key_env: "A" };
    const aes = "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus";
    expect(ok(resolveDingTalkCredentials(im, { ...env, T: "tok", A: aes }, {}))).toMatchObject({
      httpToken: "tok",
      httpAesKey: aes,
    });
    expect(ok(resolveDingTalkCredentials(im, env, { dingtalk_http_token: "t2" })).httpToken).toBe("t2");
    const bad = err(resolveDingTalkCredentials(im, { ...env, A: "tooshort" }, {}));
    expect(bad.message).toContain("43-character");
  });
});
