/**
 * The daemon runs from its bundle (scripts/bundle-daemon.mjs → dist/daemon-bundle/), loaded by
 * `cccc daemon run`: lazy parts stay lazy chunks, the output is ASCII-only, and a copy of the package
 * without node_modules still runs the daemon (only node-pty, loaded with a PTY actor, is external).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli, waitFor } from "../support/cli.js";
import { tempHome } from "../support/home.js";
import { packageCopy } from "../support/package-copy.js";

const BUNDLE = join(dirname(CLI), "../../daemon-bundle");
const AGENT = join(import.meta.dirname, "../fixtures/agents/soak-agent.mjs");

const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** The chunks `file` imports statically (`import … from "./x.mjs"`), transitively, itself included. */
function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(file, "utf8").matchAll(/^import\b[^;]*?from "(\.\/[^"]+)";$/gm)) {
    staticGraph(join(dirname(file), m[1] as string), seen);
  }
  return seen;
}

/** `cccc …` of `bin` in `env`: its stdout, or an error with its stderr. */
function cliOf(bin: string, env: NodeJS.ProcessEnv) {
  return async (...args: string[]): Promise<string> => {
    const r = await runCli(args, env, 20_000, undefined, bin);
    if (r.code !== 0) throw new Error(`cccc ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
}

/** A group on the daemon's home with `lead`, the echo agent under `runner`. */
async function groupWithLead(cli: (...args: string[]) => Promise<string>, home: string, runner: string) {
  await cli("group", "create", "--title", runner, "--scope", home);
  await cli(
    "actor",
    "add",
    "lead",
    "--runtime",
    "custom",
    "--runner",
    runner,
    "--command",
    `node ${AGENT} ${runner}`,
  );
}

/** `cccc daemon run` from `bin` on a fresh home; its URL once endpoint.json names it. */
async function daemonRun(bin: string): Promise<{ child: ChildProcess; url: string; env: NodeJS.ProcessEnv }> {
  const home = tempHome();
  const env = { CCCC_HOME: home.dir, CCCC_PORT: "0" };
  let stderr = "";
  const child = spawn(process.execPath, [bin, "daemon", "run"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  cleanups.push(home.cleanup, () => child.kill("SIGKILL"));
  const { url } = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${stderr}`);
      try {
        const e = JSON.parse(readFileSync(join(home.dir, "daemon", "endpoint.json"), "utf8"));
        return e.pid === child.pid ? (e as { url: string }) : undefined;
      } catch {
        return undefined;
      }
    },
    20_000,
    "the daemon's endpoint",
  );
  return { child, url, env };
}

describe("daemon bundle", () => {
  it("is built as ESM chunks, ASCII-only, with node-pty and the terminal in lazy chunks only", () => {
    const files = readdirSync(BUNDLE);
    expect(files).toContain("daemon.mjs");
    expect(files).toContain("daemon.mjs.map");
    const chunks = files.filter((f) => f.endsWith(".mjs"));
    for (const f of chunks) expect(readFileSync(join(BUNDLE, f), "utf8")).not.toMatch(/[\u0080-\uffff]/);
    const atStart = [...staticGraph(join(BUNDLE, "daemon.mjs"))].map((f) => readFileSync(f, "utf8"));
    expect(atStart.join("\n")).toContain("fastify");
    expect(atStart.some((text) => text.includes("@lydell/node-pty"))).toBe(false);
    expect(atStart.some((text) => text.includes("@xterm/headless"))).toBe(false);
    // …but a chunk of the bundle has them, loaded with the first PTY actor.
    const all = chunks.map((f) => readFileSync(join(BUNDLE, f), "utf8"));
    expect(all.some((text) => text.includes('from "@lydell/node-pty"'))).toBe(true);
  });

  it("leaves out what Fastify would load only for features the daemon does not use", () => {
    const sources = readdirSync(BUNDLE)
      .filter((f) => f.endsWith(".mjs.map"))
      .flatMap((f) => (JSON.parse(readFileSync(join(BUNDLE, f), "utf8")) as { sources: string[] }).sources);
    expect(sources.some((s) => s.includes("node_modules/fastify/"))).toBe(true);
    for (const pkg of ["ajv", "fast-uri", "light-my-request", "pino", "semver"]) {
      expect(sources.filter((s) => s.includes(`node_modules/${pkg}/`))).toEqual([]);
    }
  });

  it("runs from a copy of the package without node_modules, headless agents included", async () => {
    const copy = packageCopy();
    cleanups.push(copy.cleanup);
    expect(existsSync(join(copy.root, "node_modules"))).toBe(false);
    const { child, url, env } = await daemonRun(copy.bin);
    // The process is the copy's bin: with no fastify to resolve, only the bundle can serve this.
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
    expect(argv.slice(1, 4)).toEqual([copy.bin, "daemon", "run"]);
    const health = (await (await fetch(`${url}api/v1/health`)).json()) as { ok: boolean; pid: number };
    expect(health).toMatchObject({ ok: true, pid: child.pid });

    const cli = cliOf(copy.bin, env);
    await groupWithLead(cli, env.CCCC_HOME as string, "headless");
    await cli("group", "start");
    await waitFor(
      async () =>
        (JSON.parse(await cli("actor", "list", "--json")) as { status?: string }[])[0]?.status === "running",
      20_000,
      "the headless agent running",
    );
    child.kill("SIGTERM");
    await waitFor(() => child.exitCode !== null, 15_000, "the daemon to stop");
    expect(child.exitCode).toBe(0);
  });

  it.skipIf(!existsSync("/proc/self/maps"))(
    "loads node-pty from the bundle's lazy chunk when a PTY actor starts",
    async () => {
      const { child, env } = await daemonRun(CLI);
      const cli = cliOf(CLI, env);
      const maps = () => readFileSync(`/proc/${child.pid}/maps`, "utf8");
      await groupWithLead(cli, env.CCCC_HOME as string, "pty");
      expect(maps()).not.toMatch(/pty\.node/);
      await cli("group", "start");
      await waitFor(
        async () =>
          (JSON.parse(await cli("actor", "list", "--json")) as { status?: string }[])[0]?.status ===
          "running",
        20_000,
        "the PTY agent running",
      );
      expect(maps()).toMatch(/pty\.node/);
      child.kill("SIGTERM");
      await waitFor(() => child.exitCode !== null, 15_000, "the daemon to stop");
    },
  );
});
