import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HeadlessRunner } from "../../src/runners/headless-runner.js";
import { type ActorExit, ActorProcess, type ActorProcessOptions } from "../../src/runners/supervisor.js";
import {
  activeTimers,
  HEADLESS_AGENT,
  isAlive,
  liveChildren,
  readText,
  TUI_AGENT,
  tempDir,
  testEnv,
  waitFor,
} from "./helpers.js";

let dir: ReturnType<typeof tempDir>;
let log: string;
const actors: ActorProcess[] = [];

beforeEach(() => {
  dir = tempDir();
  log = join(dir.path, "state", "logs", "peer1.log");
});

afterEach(async () => {
  for (const a of actors.splice(0)) await a.stop({ graceMs: 200 });
  dir.cleanup();
});

function headless(mode: string[], extra: Partial<ActorProcessOptions> = {}): ActorProcess {
  const actor = new ActorProcess({
    runner: "headless",
    argv: ["node", HEADLESS_AGENT, ...mode],
    cwd: dir.path,
    env: testEnv({ CCCC_HOME: "/tmp/home", CCCC_GROUP_ID: "g_1", CCCC_ACTOR_ID: "peer1" }),
    logPath: log,
    stopGraceMs: 2_000,
    ...extra,
  });
  actors.push(actor);
  return actor;
}

describe("HeadlessRunner via ActorProcess", () => {
  it("passes the env, logs stdout and stderr, and stops gracefully", async () => {
    const exits: ActorExit[] = [];
    const actor = headless(["env"], { onExit: (e) => exits.push(e) });
    await actor.start();
    expect(actor.status).toBe("running");
    expect(actor.pid).toBeTypeOf("number");
    await waitFor(() => readText(log).includes("stderr line"), 5_000, "log output");
    expect(readText(log)).toContain(
      `started env CCCC_HOME=/tmp/home CCCC_GROUP_ID=g_1 CCCC_ACTOR_ID=peer1 cwd=`,
    );
    await actor.stop();
    expect(readText(log)).toContain("got SIGTERM, exiting");
    expect(actor.status).toBe("stopped");
    expect(actor.exitCode).toBe(0);
    expect(exits).toEqual([
      { code: 0, signal: null, requested: true, willRestart: false, status: "stopped" },
    ]);
  });

  it("rotates the log at its size cap: an actor writing 2 MB leaves at most cap-sized files", async () => {
    const cap = 256 * 1024;
    const actor = headless(["spew", String(2 * 1024 * 1024)], { log: { maxBytes: cap, keep: 1 } });
    await actor.start();
    const both = () => (existsSync(`${log}.1`) ? readText(`${log}.1`) : "") + readText(log);
    await waitFor(() => both().includes("spew done"), 20_000, "spew done");
    const files = readdirSync(join(dir.path, "state", "logs")).sort();
    expect(files).toEqual(["peer1.log", "peer1.log.1"]);
    for (const f of files) expect(statSync(join(dir.path, "state", "logs", f)).size).toBeLessThanOrEqual(cap);
    // The newest output is in the current file, the one before it in .1, in order, nothing torn between them.
    const joined = both();
    const numbers = [...joined.matchAll(/^line (\d+) /gm)].map((m) => Number(m[1]));
    expect(numbers.length).toBeGreaterThan(100);
    expect(numbers).toEqual(numbers.map((_, i) => (numbers[0] as number) + i));
    await actor.stop();
    expect(statSync(log).size).toBeLessThanOrEqual(cap);
  });

  it("kills a process that ignores SIGTERM after the grace period, with its whole group", async () => {
    const actor = headless(["ignore-term"]);
    await actor.start();
    await waitFor(() => readText(log).includes("started"), 5_000, "started");
    const t0 = Date.now();
    await actor.stop({ graceMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(readText(log)).toContain("ignoring SIGTERM");
    expect(actor.exitSignal).toBe("SIGKILL");
    expect(actor.status).toBe("stopped");

    const parent = headless(["spawn-child"]);
    await parent.start();
    const childPid = Number((await waitFor(() => /child pid (\d+)/.exec(readText(log)), 5_000, "child"))[1]);
    expect(isAlive(childPid)).toBe(true);
    await parent.stop({ graceMs: 300 });
    await waitFor(() => !isAlive(childPid), 2_000, "grandchild gone");
  });

  it("marks an unrequested exit as crashed with its exit code", async () => {
    const exits: ActorExit[] = [];
    const actor = headless(["crash", "3"], { onExit: (e) => exits.push(e) });
    await actor.start();
    await waitFor(() => actor.status === "crashed", 5_000, "crash");
    expect(actor.exitCode).toBe(3);
    expect(actor.pid).toBeUndefined();
    expect(exits).toEqual([
      { code: 3, signal: null, requested: false, willRestart: false, status: "crashed" },
    ]);
    await actor.stop();
    expect(actor.status).toBe("stopped");
  });

  it("restarts on crash under the policy, then gives up", async () => {
    let starts = 0;
    const exits: ActorExit[] = [];
    const actor = headless(["crash", "4"], {
      restart: { maxRestarts: 2, windowMs: 60_000, backoffMs: 50 },
      onStart: () => starts++,
      onExit: (e) => exits.push(e),
    });
    await actor.start();
    await waitFor(() => exits.length === 3, 10_000, "three exits");
    expect(starts).toBe(3);
    expect(exits.map((e) => e.willRestart)).toEqual([true, true, false]);
    expect(actor.status).toBe("crashed");
    expect(actor.restartPending).toBe(false);
  });

  it("an exit with code 0 is 'exited', not 'crashed', and is not restarted by the crash policy", async () => {
    let starts = 0;
    const exits: ActorExit[] = [];
    const actor = headless(["crash", "0"], {
      restart: { maxRestarts: 2, windowMs: 60_000, backoffMs: 10 },
      onStart: () => starts++,
      onExit: (e) => exits.push(e),
    });
    await actor.start();
    await waitFor(() => exits.length === 1, 5_000, "exit");
    expect(exits).toEqual([
      { code: 0, signal: null, requested: false, willRestart: false, status: "exited" },
    ]);
    expect(actor.status).toBe("exited");
    expect(actor.restartPending).toBe(false);
    expect(starts).toBe(1);
  });

  it("stop() cancels a pending crash restart", async () => {
    const actor = headless(["crash", "5"], {
      restart: { maxRestarts: 5, windowMs: 60_000, backoffMs: 10_000 },
    });
    await actor.start();
    await waitFor(() => actor.restartPending, 5_000, "restart scheduled");
    await actor.stop();
    expect(actor.restartPending).toBe(false);
    expect(actor.status).toBe("stopped");
  });

  it("restart() replaces the process", async () => {
    const actor = headless(["env"]);
    await actor.start();
    const first = actor.pid as number;
    await actor.restart();
    expect(actor.status).toBe("running");
    expect(actor.pid).not.toBe(first);
    expect(isAlive(first)).toBe(false);
  });

  it("rejects a missing command and stays stopped", async () => {
    const actor = headless([], { argv: ["no-such-agent-xyz"] });
    await expect(actor.start()).rejects.toMatchObject({ code: "command_not_found" });
    expect(actor.status).toBe("stopped");
  });

  it("a bare HeadlessRunner reports its exit", async () => {
    const runner = new HeadlessRunner({
      argv: ["node", HEADLESS_AGENT, "crash", "7"],
      cwd: dir.path,
      env: testEnv(),
      logPath: log,
    });
    await runner.start();
    expect(await runner.waitExit()).toEqual({ code: 7, signal: null });
    expect(runner.running).toBe(false);
  });
});

describe("ActorProcess lifecycle hygiene", () => {
  it.each(["headless", "pty"] as const)(
    "start/stop 10 times (%s) leaves no processes or timers",
    async (kind) => {
      const timersBefore = activeTimers();
      const childrenBefore = liveChildren();
      const actor = new ActorProcess({
        runner: kind,
        argv: kind === "pty" ? ["node", TUI_AGENT] : ["node", HEADLESS_AGENT, "env"],
        cwd: dir.path,
        env: testEnv({ TUI_AGENT_OUT: join(dir.path, "tui.jsonl") }),
        logPath: log,
        restart: { maxRestarts: 3, windowMs: 1_000, backoffMs: 1_000 },
      });
      const pids: number[] = [];
      for (let i = 0; i < 10; i++) {
        await actor.start();
        pids.push(actor.pid as number);
        if (i === 0) expect(liveChildren()).toContain(actor.pid); // the leak check can see children
        await actor.stop({ graceMs: 1_000 });
        expect(actor.status).toBe("stopped");
      }
      expect(new Set(pids).size).toBe(10);
      expect(pids.filter(isAlive)).toEqual([]);
      expect(liveChildren().filter((p) => !childrenBefore.includes(p))).toEqual([]);
      expect(actor.restartPending).toBe(false);
      expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    },
  );

  it("a PTY actor that exits on its own is crashed", async () => {
    const actor = new ActorProcess({
      runner: "pty",
      argv: ["node", "-e", "setTimeout(() => process.exit(9), 100)"],
      cwd: dir.path,
      env: testEnv(),
    });
    actors.push(actor);
    await actor.start();
    expect(actor.pty).toBeDefined();
    await waitFor(() => actor.status === "crashed", 5_000, "pty crash");
    expect(actor.exitCode).toBe(9);
  });
});
