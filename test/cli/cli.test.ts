import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAEMON_ENV, daemonArgv } from "../../src/client/daemon-launch.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { CLI, runCli, spawnCli, waitFor } from "../support/cli.js";
import { tempHome } from "../support/home.js";

const home = tempHome();
const env = { CCCC_HOME: home.dir, CCCC_PORT: "0" };
let gid = "";

async function ok(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await runCli(args, { ...env, ...extra });
  if (r.code !== 0) throw new Error(`cccc ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  gid = (await ok(["group", "create", "--title", "cli test", "--scope", home.dir])).trim();
});
afterAll(async () => {
  await runCli(["daemon", "stop"], env);
  home.cleanup();
});

describe("cccc CLI", () => {
  it("creates a group, adds actors and routes a message to the right inbox", async () => {
    expect(gid).toMatch(/^g_[0-9a-f]{12}$/);
    await ok(["actor", "add", "lead", "--runtime", "custom", "--command", "cat", "--runner", "headless"]);
    await ok(["actor", "add", "rev", "--runtime", "custom", "--command", "cat", "--runner", "headless"]);
    const list = await ok(["actor", "list"]);
    expect(list).toMatch(/lead\s+foreman/);
    expect(list).toMatch(/rev\s+peer/);

    const sent = JSON.parse(await ok(["send", "--json", "--to", "rev", "please", "review"])) as LedgerEvent;
    expect(sent.data).toMatchObject({ text: "please review", to: ["rev"] });
    const ledger = readFileSync(join(home.dir, "groups", gid, "ledger.jsonl"), "utf8");
    expect(ledger).toContain(`"id":"${sent.id}"`);

    const inbox = JSON.parse(await ok(["inbox"], { CCCC_ACTOR_ID: "rev" })) as LedgerEvent[];
    expect(inbox.map((e) => e.id)).toEqual([sent.id]);
    expect(JSON.parse(await ok(["inbox"], { CCCC_ACTOR_ID: "lead" }))).toEqual([]);

    await ok(["inbox", "--mark-read"], { CCCC_ACTOR_ID: "rev" });
    expect(JSON.parse(await ok(["inbox"], { CCCC_ACTOR_ID: "rev" }))).toEqual([]);
  });

  it("acts as the calling actor inside an actor process", async () => {
    const sent = JSON.parse(
      await ok(["send", "--json", "done"], { CCCC_ACTOR_ID: "rev", CCCC_GROUP_ID: gid }),
    ) as LedgerEvent;
    expect(sent.by).toBe("rev");
    const reply = JSON.parse(await ok(["reply", "--json", sent.id.slice(0, 8), "thanks"])) as LedgerEvent;
    expect(reply.data).toMatchObject({ to: ["rev"], reply_to: sent.id });
  });

  it("loads only the node: built-ins a command uses (send: net, not http, child_process, crypto …)", async () => {
    // scripts/cli-loader.cjs hands the bundle lazy built-ins; the client speaks HTTP over node:net.
    const hook = join(home.dir, "modules-hook.cjs");
    const out = join(home.dir, "modules.txt");
    writeFileSync(
      hook,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join("\\n")));\n`,
    );
    await ok(["send", "lazy", "built-ins"], { NODE_OPTIONS: `--require ${hook}` });
    const loaded = readFileSync(out, "utf8").split("\n");
    expect(loaded).toContain("NativeModule net");
    for (const name of ["http", "_http_client", "child_process", "crypto", "fs/promises", "module"]) {
      expect(loaded).not.toContain(`NativeModule ${name}`);
    }
  });

  it("carries no schema code: zod loads lazily, with the commands that validate config", () => {
    // A value import from src/contract/index.js in a command module pulls every zod schema into
    // each start (docs/bench.md, "CLI": +4 MiB, +10 ms); types from the index, values from one file.
    const bundle = readFileSync(join(dirname(CLI), "cli-bundle.cjs"), "latin1");
    expect(bundle).toContain("commander"); // the bundle itself, not some other file
    expect(bundle).not.toMatch(/\bZodError\b|\bZodObject\b/);
  });

  it("tail -f sees new events", async () => {
    const tail = spawnCli(["tail", "-f", "-n", "1"], env);
    try {
      await waitFor(() => tail.output().length > 0, 10_000, "tail output");
      await ok(["send", "followed", "message"]);
      await waitFor(() => tail.output().includes("followed message"), 10_000, "followed message");
    } finally {
      tail.child.kill();
    }
  });

  it.skipIf(!existsSync("/proc/self/maps"))(
    "starts the background daemon with its launch flags, without node-pty while no PTY actor runs",
    async () => {
      const { pid } = JSON.parse(readFileSync(join(home.dir, "daemon", "endpoint.json"), "utf8")) as {
        pid: number;
      };
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(1, -1);
      expect(argv).toEqual(daemonArgv(CLI));
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      for (const [k, v] of Object.entries(DAEMON_ENV)) expect(environ).toContain(`${k}=${v}`);
      // Only headless actors so far: node-pty's native module (and the headless xterm) stay unloaded.
      expect(readFileSync(`/proc/${pid}/maps`, "utf8")).not.toMatch(/pty\.node/);
    },
  );

  it("keeps the error code of code the bundled CLI loads lazily (setup, agent CLI missing)", async () => {
    // `cccc setup` runs registerMcp from the tsc output, beside the bundle's own copy of CcccError.
    const r = await runCli(["setup", "--runtime", "claude", "--json"], { ...env, PATH: home.dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: "runtime_not_installed" } });
  });

  it("finds (or starts) the daemon when endpoint.json names a live pid but nothing listens there", async () => {
    await ok(["daemon", "stop"]);
    // A stale endpoint whose pid was reused (here: this test's own process) on a refused port.
    const endpoint = join(home.dir, "daemon", "endpoint.json");
    writeFileSync(endpoint, JSON.stringify({ url: "http://127.0.0.1:1/", pid: process.pid }));
    expect(await ok(["actor", "list"])).toMatch(/lead/);
    const now = JSON.parse(readFileSync(endpoint, "utf8")) as { pid: number };
    expect(now.pid).not.toBe(process.pid);
  });

  it("gives clear errors for unknown recipients and groups", async () => {
    const r = await runCli(["send", "--to", "ghost", "x"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Unknown recipient "ghost"');
    expect(r.stderr).toContain("lead");
    const g = await runCli(["group", "show", "--group", "g_000000000000"], env);
    expect(g.code).toBe(1);
    expect(g.stderr).toContain("No group");
  });

  it("keeps everything across a daemon restart and repairs a torn last ledger line", async () => {
    const before = readFileSync(join(home.dir, "groups", gid, "ledger.jsonl"), "utf8")
      .trim()
      .split("\n").length;
    expect((await runCli(["daemon", "stop"], env)).code).toBe(0);
    appendFileSync(join(home.dir, "groups", gid, "ledger.jsonl"), '{"v":1,"id":"torn","seq":99');
    const down = await runCli(["inbox"], { ...env, CCCC_NO_AUTOSTART: "1", CCCC_ACTOR_ID: "rev" });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("daemon is not running");

    const sent = JSON.parse(await ok(["send", "--json", "after", "restart"])) as LedgerEvent;
    expect(sent.seq).toBe(before + 1);
    const lines = readFileSync(join(home.dir, "groups", gid, "ledger.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(lines.every((l) => JSON.parse(l))).toBeTruthy();
    expect((await ok(["actor", "list"])).split("\n").length).toBeGreaterThanOrEqual(2);
  });

  it("names the bad key of a corrupt group.yaml", async () => {
    await runCli(["daemon", "stop"], env);
    const file = join(home.dir, "groups", gid, "group.yaml");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good.replace("runtime: custom", "runtime: 42"));
    try {
      const r = await runCli(["actor", "list"], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("group.yaml");
      expect(r.stderr).toContain('key "actors[0].runtime"');
    } finally {
      await runCli(["daemon", "stop"], env);
      writeFileSync(file, good);
    }
  });

  it("cccc im set right after installing creates a group for the current directory", async () => {
    const fresh = tempHome();
    const env2 = { CCCC_HOME: fresh.dir, CCCC_PORT: "0", MY_KEY: "k-123", MY_SECRET: "s-456" };
    try {
      const r = await runCli(
        ["im", "set", "dingtalk", "--app-key-env", "MY_KEY", "--app-secret-env", "MY_SECRET"],
        env2,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/created group g_[0-9a-f]{12}/);
      const list = await runCli(["group", "list", "--json"], env2);
      const groups = JSON.parse(list.stdout) as { group_id: string }[];
      expect(groups).toHaveLength(1);
      const yaml = readFileSync(join(fresh.dir, "groups", groups[0]?.group_id ?? "", "group.yaml"), "utf8");
      expect(yaml).toContain("dingtalk_app_key_env: MY_KEY");
      expect(yaml).not.toContain("s-456");
    } finally {
      await runCli(["daemon", "stop"], env2);
      fresh.cleanup();
    }
  });
});
