import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { tempHome } from "../support/home.js";

/**
 * Issue 9 item 4: an actor started by the real daemon gets the daemon's environment minus every
 * credential CCCC knows of, plus its own variables and secrets. Read from /proc/<pid>/environ of
 * the running actor process.
 */

const CRED = {
  DINGTALK_APP_SECRET: "daemon-env-app-secret-0001",
  DINGTALK_APP_KEY: "daemon-env-app-key-0002",
  DINGTALK_ROBOT_CODE: "daemon-env-robot-code-0003",
  /** Named by group A's im block (app_secret_env). */
  ACME_BOT_SECRET: "custom-named-secret-0004",
  /** Named by group B's im block (robot_code_env): any group's names count. */
  OTHER_GROUP_ROBOT: "other-group-robot-0005",
  /** Same value as the app key saved through the Web UI API (secrets store). */
  COPIED_KEY: "stored-through-web-ui-0006",
  /** A CCCC internal the actor does not need. */
  CCCC_DINGTALK_API_BASE: "http://127.0.0.1:9/internal",
};
const SECRET_VALUES = Object.values(CRED);
const ACTOR_SECRET = "sk-actor-secret-value-0007";

let t: TestDaemon;
let gid = "";
let bin = "";
const scratch = tempHome("cccc-env-scope-");

const path = (suffix = "") => `/api/v1/groups/${gid}${suffix}`;

async function api<T>(method: string, p: string, body?: unknown): Promise<T> {
  const r = await t.api<T>(method, p, body);
  if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...args, "--group", gid], { CCCC_HOME: t.home.root, CCCC_NO_AUTOSTART: "1" });
}

/** The environment the running actor process was started with. */
async function environOf(actorId: string): Promise<Record<string, string>> {
  const pid = await waitFor(
    async () => {
      const { actors } = await api<{ actors: { id: string; status: string; pid?: number }[] }>(
        "GET",
        path("/actors"),
      );
      const a = actors.find((x) => x.id === actorId);
      return a?.status === "running" ? a.pid : undefined;
    },
    20_000,
    `${actorId} running`,
  );
  // Until the PTY's forked child has exec'd, /proc shows the daemon's environment: wait for the actor's.
  const raw = await waitFor(
    () => {
      const text = readFileSync(`/proc/${pid}/environ`, "utf8");
      return text.split("\0").includes(`CCCC_ACTOR_ID=${actorId}`) ? text : undefined;
    },
    20_000,
    `${actorId}'s own environment in /proc/${pid}/environ`,
  );
  return Object.fromEntries(
    raw
      .split("\0")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

beforeAll(async () => {
  const dir = scratch.dir;
  bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  // A stand-in for Claude Code that behaves like it as root: without IS_SANDBOX it refuses
  // --dangerously-skip-permissions and exits at once.
  writeFileSync(
    join(bin, "claude"),
    [
      "#!/bin/sh",
      'if [ "$1" = mcp ]; then echo "Added stdio MCP server cccc"; exit 0; fi',
      'if [ "$(id -u)" = 0 ] && [ -z "$IS_SANDBOX" ]; then',
      '  echo "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons" >&2; exit 1',
      "fi",
      "exec sleep 600",
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "claude"), 0o755);
  t = await startTestDaemon({
    ...CRED,
    HARMLESS_VAR: "keep-me",
    IS_SANDBOX: undefined,
    PATH: `${bin}:${process.env.PATH}`,
  });
  gid = (await api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "env", scope: dir }))
    .group.group_id;
  const other = (
    await api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "other", scope: dir })
  ).group.group_id;
  // Group A names a custom variable for the secret and stores the key through the Web UI's API.
  await api("PUT", path("/im/config"), {
    platform: "dingtalk",
    app_secret_env: "ACME_BOT_SECRET",
    app_key: CRED.COPIED_KEY,
    start: false,
  });
  await api("PUT", `/api/v1/groups/${other}/im/config`, {
    platform: "dingtalk",
    robot_code_env: "OTHER_GROUP_ROBOT",
    start: false,
  });
  await api("POST", path("/actors"), { id: "plain", runtime: "custom", command: ["sleep", "600"] });
}, 120_000);
afterAll(async () => {
  await t?.close();
  scratch.cleanup();
});

// Each test runs the real CLI several times: generous bounds for a loaded machine.
describe("actor environment", { timeout: 120_000 }, () => {
  it("withholds every credential CCCC knows of from a running actor", async () => {
    await api("POST", path("/actors/plain/start"));
    const env = await environOf("plain");
    for (const name of Object.keys(CRED)) expect(env[name], name).toBeUndefined();
    for (const value of SECRET_VALUES) expect(Object.values(env)).not.toContain(value);
    expect(env.HARMLESS_VAR).toBe("keep-me");
    expect(env).toMatchObject({ CCCC_GROUP_ID: gid, CCCC_ACTOR_ID: "plain", CCCC_HOME: t.home.root });
  });

  it("gives an actor its own variables and secrets, never echoing a secret back", async () => {
    await api("POST", path("/actors"), {
      id: "keyed",
      runtime: "custom",
      command: ["sleep", "600"],
      env: { ANTHROPIC_BASE_URL: "http://127.0.0.1:9/anthropic" },
      secret_env: { ANTHROPIC_API_KEY: ACTOR_SECRET },
    });
    const set = await cli(["actor", "env", "set", "keyed", "MODEL_HINT=kimi-k2"]);
    expect(set.stdout).toContain("Applies when keyed next starts");
    const secret = await cli(["actor", "env", "set", "keyed", "EXTRA_TOKEN=extra-secret-0008", "--secret"]);
    expect(secret.code).toBe(0);
    expect(secret.stdout).toContain("EXTRA_TOKEN (secret, stored 0600)");
    expect(secret.stdout).not.toContain("extra-secret-0008");

    const listed = await cli(["actor", "env", "list", "keyed"]);
    expect(listed.stdout).toContain("ANTHROPIC_API_KEY=•••• (secret)");
    expect(listed.stdout).toContain("ANTHROPIC_BASE_URL=http://127.0.0.1:9/anthropic");
    expect(listed.stdout).toContain("MODEL_HINT=kimi-k2");
    expect(listed.stdout).not.toContain(ACTOR_SECRET);

    await api("POST", path("/actors/keyed/start"));
    const env = await environOf("keyed");
    expect(env).toMatchObject({
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9/anthropic",
      ANTHROPIC_API_KEY: ACTOR_SECRET,
      MODEL_HINT: "kimi-k2",
      EXTRA_TOKEN: "extra-secret-0008",
    });
    expect(env.DINGTALK_APP_SECRET).toBeUndefined();

    // Secrets live only in the 0600 store: not in group.yaml, the ledger or any API answer.
    const store = t.home.secretsFile(gid);
    expect(statSync(store).mode & 0o777).toBe(0o600);
    expect(readFileSync(store, "utf8")).toContain(ACTOR_SECRET);
    const groupDir = t.home.groupDir(gid);
    for (const file of ["group.yaml", "ledger.jsonl"]) {
      expect(readFileSync(join(groupDir, file), "utf8")).not.toContain(ACTOR_SECRET);
    }
    for (const p of ["/actors/keyed/env", "/actors", ""]) {
      expect(JSON.stringify(await api("GET", path(p)))).not.toContain(ACTOR_SECRET);
    }
    const running = await api<{ restart_needed: boolean }>("GET", path("/actors/keyed/env"));
    expect(running.restart_needed).toBe(true);
  });

  it("unsets variables, and removing the IM bridge keeps actors' secrets", async () => {
    const unset = await cli(["actor", "env", "unset", "keyed", "MODEL_HINT"]);
    expect(unset.stdout).toContain('"cccc actor restart keyed" applies the change');
    await api("DELETE", path("/im"));
    await api("POST", path("/actors/keyed/restart"));
    const env = await environOf("keyed");
    expect(env.MODEL_HINT).toBeUndefined();
    expect(env.ANTHROPIC_API_KEY).toBe(ACTOR_SECRET);
    const missing = await cli(["actor", "env", "unset", "keyed", "MODEL_HINT"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("has no variable MODEL_HINT");
  });

  it("cccc actor add takes --env and --secret-env; a piped --secret value is not echoed", async () => {
    const added = await cli([
      "actor",
      "add",
      "glm",
      "--runtime",
      "custom",
      "--command",
      "sleep 600",
      "--env",
      "ANTHROPIC_BASE_URL=https://open.bigmodel.cn/api/anthropic?x=1",
      "--secret-env",
      "ANTHROPIC_AUTH_TOKEN=glm-token-0009",
    ]);
    expect(added.code, added.stderr).toBe(0);
    const piped = await runCli(
      ["actor", "env", "set", "glm", "PIPED_KEY", "--secret", "--group", gid],
      {
        CCCC_HOME: t.home.root,
        CCCC_NO_AUTOSTART: "1",
      },
      20_000,
      "piped-secret-0010\n",
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toContain("piped-secret-0010");
    const listed = JSON.parse((await cli(["actor", "env", "list", "glm", "--json"])).stdout) as {
      env: { key: string; secret: boolean; value?: string }[];
    };
    expect(listed.env).toEqual([
      { key: "ANTHROPIC_AUTH_TOKEN", secret: true },
      { key: "ANTHROPIC_BASE_URL", secret: false, value: "https://open.bigmodel.cn/api/anthropic?x=1" },
      { key: "PIPED_KEY", secret: true },
    ]);
    await api("POST", path("/actors/glm/start"));
    const env = await environOf("glm");
    expect(env.ANTHROPIC_AUTH_TOKEN).toBe("glm-token-0009");
    expect(env.PIPED_KEY).toBe("piped-secret-0010");
    await api("DELETE", path("/actors/glm"));
    expect(readFileSync(t.home.secretsFile(gid), "utf8")).not.toContain("glm-token-0009");
  });

  it("refuses bad names and CCCC's own variables with a clear error", async () => {
    const bad = await t.api<{ error: { code: string; message: string } }>(
      "PUT",
      path("/actors/keyed/env/1BAD"),
      { value: "x" },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_env_name");
    const reserved = await t.api<{ error: { code: string } }>("PUT", path("/actors/keyed/env/CCCC_HOME"), {
      value: "/tmp",
    });
    expect(reserved.body.error.code).toBe("reserved_env_name");
    const add = await t.api<{ error: { code: string } }>("POST", path("/actors"), {
      id: "broken",
      runtime: "custom",
      command: ["sleep", "1"],
      secret_env: { "NOT VALID": "x" },
    });
    expect(add.body.error.code).toBe("invalid_env_name");
    const { actors } = await api<{ actors: { id: string }[] }>("GET", path("/actors"));
    expect(actors.map((a) => a.id)).not.toContain("broken");
  });
});

describe.runIf(process.getuid?.() === 0)("a claude actor as root", { timeout: 120_000 }, () => {
  it("fails the start with what to do when IS_SANDBOX is unset, and starts once it is set", async () => {
    await api("POST", path("/actors"), { id: "claude1", runtime: "claude" });
    const failed = await cli(["actor", "start", "claude1"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("cccc actor env set claude1 IS_SANDBOX=1");
    expect(failed.stderr).toContain("run CCCC as a normal user");
    const r = await t.api<{ error: { code: string } }>("POST", path("/actors/claude1/start"));
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("claude_root_needs_sandbox");

    expect((await cli(["actor", "env", "set", "claude1", "IS_SANDBOX=1"])).code).toBe(0);
    await api("POST", path("/actors/claude1/start"));
    const env = await environOf("claude1");
    expect(env.IS_SANDBOX).toBe("1");
  });
});
