/**
 * The daemon as a real subprocess (`cccc daemon run`, built code) on a temporary home: started,
 * killed with SIGKILL, started again on the same home. The world of the crash tests
 * (test/reliability/*-sigkill.test.ts), optionally wired to a fake DingTalk.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type FakeDingTalk, startFakeDingTalk } from "../fakes/dingtalk/index.js";
import type { FakeDingTalkOptions, FakeRobotMessageOptions } from "../fakes/dingtalk/server.js";
import { CLI, waitFor } from "./cli.js";
import { tempHome } from "./home.js";

export interface DaemonEndpoint {
  pid: number;
  port: number;
}

export interface DaemonProcess {
  /** The current (or last) daemon process. */
  readonly child: ChildProcess | undefined;
  /** Spawn the daemon and wait until its endpoint.json names it; later calls restart on the same home. */
  start(): Promise<DaemonEndpoint>;
  /** SIGKILL now (synchronously); resolves once the process has exited. */
  kill(): Promise<void>;
  /** An API call to the running daemon: the JSON answer, or an error for a status of 400 or more. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** The group's ledger lines, parsed. */
  ledger<T>(gid: string): T[];
  /** SIGKILL the daemon if it still runs (afterAll). */
  close(): void;
}

export function daemonProcess(
  homeDir: string,
  env: NodeJS.ProcessEnv,
  startTimeoutMs = 20_000,
): DaemonProcess {
  let child: ChildProcess | undefined;
  let base = "";
  const endpoint = join(homeDir, "daemon", "endpoint.json");
  return {
    get child() {
      return child;
    },
    async start() {
      const proc = spawn(process.execPath, [CLI, "daemon", "run"], {
        env: { ...env, CCCC_HOME: homeDir, CCCC_PORT: "0" },
        stdio: "ignore",
      });
      child = proc;
      const ep = await waitFor(
        () => {
          try {
            const e = JSON.parse(readFileSync(endpoint, "utf8")) as DaemonEndpoint;
            return e.pid === proc.pid ? e : undefined;
          } catch {
            return undefined;
          }
        },
        startTimeoutMs,
        "the daemon's endpoint.json",
      );
      base = `http://127.0.0.1:${ep.port}`;
      return ep;
    },
    kill() {
      const proc = child;
      if (!proc) return Promise.resolve();
      proc.kill("SIGKILL");
      return new Promise<void>((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once("exit", () => r()),
      );
    },
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return JSON.parse(text) as T;
    },
    ledger<T>(gid: string): T[] {
      return readFileSync(join(homeDir, "groups", gid, "ledger.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as T);
    },
    close() {
      child?.kill("SIGKILL");
    },
  };
}

/** The daemon's environment for a fake DingTalk (its API and OAPI bases). */
export function fakeDingTalkEnv(fake: FakeDingTalk): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CCCC_DINGTALK_API_BASE: fake.apiBase,
    CCCC_DINGTALK_OAPI_BASE: fake.oapiBase,
  };
}

/** Configure the group's bridge for the fake's app, start it, and wait for the Stream connection. */
export async function startFakeBridge(d: DaemonProcess, gid: string, fake: FakeDingTalk): Promise<void> {
  await d.api("PUT", `/api/v1/groups/${gid}/im/config`, {
    platform: "dingtalk",
    app_key: fake.app.appKey,
    app_secret: fake.app.appSecret,
    start: true,
  });
  await waitFor(() => fake.liveConnections().length > 0, 10_000, "stream connection");
}

/**
 * `/subscribe` from a chat, approve the key it is sent through the API, and wait until the chat is
 * told it was approved.
 */
export async function subscribeChat(
  d: DaemonProcess,
  gid: string,
  fake: FakeDingTalk,
  chat: FakeRobotMessageOptions & { conversationId: string },
): Promise<void> {
  const before = fake.sent.length;
  const sentSince = () => fake.sent.slice(before);
  fake.push(fake.robotMessage({ ...chat, text: "/subscribe" }));
  const keyText = await waitFor(
    () =>
      sentSince()
        .map((m) => JSON.stringify(m.msgParam))
        .find((s) => /--key [A-Z0-9]+/.test(s)),
    20_000,
    "the key reply",
  );
  await d.api("POST", `/api/v1/groups/${gid}/im/bind`, { key: /--key ([A-Z0-9]+)/.exec(keyText)?.[1] });
  await waitFor(
    () =>
      sentSince().some(
        (m) =>
          JSON.stringify(m.target).includes(chat.conversationId) &&
          JSON.stringify(m.msgParam).includes("Approved"),
      ),
    10_000,
    "the approval reply",
  );
}

export interface DaemonWorld {
  fake: FakeDingTalk;
  daemon: DaemonProcess;
  /** The group created on start. */
  gid: string;
  close(): Promise<void>;
}

/**
 * A fake DingTalk, the daemon subprocess on a fresh home wired to it, and one group (`scope`
 * defaults to the home). `close` kills the daemon, closes the fake and removes the home.
 */
export async function startDaemonWorld(opts: {
  homePrefix: string;
  fake: FakeDingTalkOptions;
  title: string;
  scope?: string;
}): Promise<DaemonWorld> {
  const home = tempHome(opts.homePrefix);
  const fake = await startFakeDingTalk(opts.fake);
  const daemon = daemonProcess(home.dir, fakeDingTalkEnv(fake));
  const close = async () => {
    daemon.close();
    await fake.close();
    home.cleanup();
  };
  try {
    await daemon.start();
    const { group } = await daemon.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
      title: opts.title,
      scope: opts.scope ?? home.dir,
    });
    return { fake, daemon, gid: group.group_id, close };
  } catch (err) {
    await close();
    throw err;
  }
}
