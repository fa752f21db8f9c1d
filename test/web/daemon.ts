/** Runs the real daemon (`cccc daemon run`) in the foreground against a temporary CCCC_HOME. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./setup.js";

export const daemonEntry = join(repoRoot, "dist/src/cli/main.cjs");
const daemonSource = join(repoRoot, "src/cli/main.ts");

/** Why the daemon-backed test cannot run, or null when it can. Built-but-missing is a failure, not a skip. */
export function daemonUnavailable(): string | null {
  if (existsSync(daemonEntry)) return null;
  if (existsSync(daemonSource)) return null; // startDaemon() fails with "run npm run build".
  return "src/cli/main.ts (the `cccc daemon run` entry point) does not exist yet";
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface RunningDaemon {
  url: string;
  home: string;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startDaemon(env: Record<string, string> = {}): Promise<RunningDaemon> {
  if (!existsSync(daemonEntry)) throw new Error(`${daemonEntry} is missing: run \`npm run build\` first.`);
  const home = await mkdtemp(join(tmpdir(), "cccc-web-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [daemonEntry, "daemon", "run"], {
    cwd: repoRoot,
    env: { ...process.env, ...env, CCCC_HOME: home, CCCC_PORT: String(port), CCCC_HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(home, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`daemon exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`daemon did not answer /api/v1/health within 15 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, home, output: () => output, stop };
}
