/**
 * Shared setup of the transport reliability tests: the REAL daemon in-process on a home directory
 * that survives restarts, a fake DingTalk, one group with one (not started) actor, the bridge
 * configured through the HTTP API and started. `restart()` closes the daemon and starts a new one
 * on the same home, like a process restart.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FakeDingTalk, startFakeDingTalk } from "../fakes/dingtalk/index.js";
import type { FakeDingTalkOptions, FakeRobotMessageOptions } from "../fakes/dingtalk/server.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { tempHome } from "../support/home.js";

export { waitFor };

/** Short Stream timings so faults are detected in well under a second or two. */
export const FAST_STREAM = {
  pingIntervalMs: 300,
  pongTimeoutMs: 400,
  backoffBaseMs: 100,
  backoffMaxMs: 800,
  drainMs: 3_000,
  disconnectJitterMs: 50,
  clockJumpMs: 1_500,
  healthyAfterMs: 2_000,
};

export interface TransportWorld {
  fake: FakeDingTalk;
  t: TestDaemon;
  gid: string;
  home: string;
  env: NodeJS.ProcessEnv;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** chat.message events in the ledger whose source.message_id is `msgId`. */
  ledgerCount(msgId: string): number;
  ledgerTexts(): string[];
  ledgerEvents(): { kind: string; data: Record<string, unknown> }[];
  imStatus(): Promise<{
    connected: boolean;
    reconnects: number;
    last_error?: { code: string; message: string };
  }>;
  bridgeLog(): string;
  sentTexts(): string[];
  /** /subscribe from a chat, approve its key through the API. */
  subscribe(chat: FakeRobotMessageOptions): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTransportWorld(
  opts: { fake?: FakeDingTalkOptions; timing?: Record<string, number>; start?: boolean } = {},
): Promise<TransportWorld> {
  const fake = await startFakeDingTalk(opts.fake ?? {});
  const home = tempHome("cccc-transport-");
  const env: NodeJS.ProcessEnv = {
    CCCC_DINGTALK_API_BASE: fake.apiBase,
    CCCC_DINGTALK_OAPI_BASE: fake.oapiBase,
    CCCC_DINGTALK_STREAM_TIMING: JSON.stringify(opts.timing ?? FAST_STREAM),
  };
  let t = await startTestDaemon(env, home.dir);
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await t.api<T>(method, path, body);
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const gid = (
    await call<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
      title: "transport",
      scope: home.dir,
    })
  ).group.group_id;
  await call("POST", `/api/v1/groups/${gid}/actors`, {
    id: "lead",
    runtime: "custom",
    command: ["node", "-e", "setInterval(()=>{},1000)"],
  });
  const groupDir = () => t.home.groupDir(gid);
  const events = () =>
    readFileSync(join(groupDir(), "ledger.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { kind: string; data: Record<string, unknown> }];
        } catch {
          return [];
        }
      });
  const sentTexts = () =>
    fake.sent.map((m) => {
      const p = m.msgParam as { content?: string; text?: string };
      return `${p.content ?? ""}${p.text ?? ""}`;
    });
  const world: TransportWorld = {
    fake,
    get t() {
      return t;
    },
    gid,
    home: home.dir,
    env,
    api: call,
    ledgerCount: (msgId) =>
      events().filter(
        (e) =>
          e.kind === "chat.message" &&
          (e.data.source as { message_id?: string } | undefined)?.message_id === msgId,
      ).length,
    ledgerEvents: events,
    ledgerTexts: () =>
      events().flatMap((e) => (e.kind === "chat.message" ? [String(e.data.text ?? "")] : [])),
    imStatus: async () =>
      (
        await call<{ status: Awaited<ReturnType<TransportWorld["imStatus"]>> }>(
          "GET",
          `/api/v1/groups/${gid}/im`,
        )
      ).status,
    bridgeLog: () => {
      try {
        return readFileSync(join(groupDir(), "state", "im_bridge.log"), "utf8");
      } catch {
        return "";
      }
    },
    sentTexts,
    async subscribe(chat) {
      const before = sentTexts().filter((s) => /--key [A-Za-z0-9]+/.test(s)).length;
      fake.push(fake.robotMessage({ ...chat, text: "/subscribe" }));
      const text = await waitFor(
        () => sentTexts().filter((s) => /--key [A-Za-z0-9]+/.test(s))[before],
        20_000,
        "the one-time key reply",
      );
      const key = /--key ([A-Za-z0-9]+)/.exec(text)?.[1] ?? "";
      await call("POST", `/api/v1/groups/${gid}/im/bind`, { key });
    },
    async restart() {
      await t.close();
      t = await startTestDaemon(env, home.dir);
    },
    async close() {
      await t.close().catch(() => {});
      await fake.close();
      home.cleanup();
    },
  };
  if (opts.start !== false) {
    await call("PUT", `/api/v1/groups/${gid}/im/config`, {
      platform: "dingtalk",
      app_key: fake.app.appKey,
      app_secret: fake.app.appSecret,
      start: true,
    });
    await waitFor(() => fake.liveConnections().length > 0, 10_000, "stream connection");
  }
  return world;
}

/** Post an agent message to the user (what the bridge delivers to subscribed chats). */
export async function agentSays(w: TransportWorld, text: string): Promise<void> {
  await w.api("POST", `/api/v1/groups/${w.gid}/send`, { text, to: ["user"], by: "lead" });
}

/** Configure the bridge with the fake's app, start it, and wait for its Stream connection. */
export async function startBridge(w: TransportWorld): Promise<void> {
  await w.api("PUT", `/api/v1/groups/${w.gid}/im/config`, {
    platform: "dingtalk",
    app_key: w.fake.app.appKey,
    app_secret: w.fake.app.appSecret,
    start: true,
  });
  await waitFor(() => w.fake.liveConnections().length > 0, 20_000, "stream connection");
}

/** Approve direct chats by writing the bridge's authorized-chats file (before the bridge starts). */
export function approveChats(w: TransportWorld, chatIds: string[]): void {
  const dir = join(w.t.home.groupDir(w.gid), "state", "im");
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const chats = Object.fromEntries(
    chatIds.map((id) => [id, { chat_id: id, chat_type: "direct", title: id, authorized_at: at, by: "user" }]),
  );
  writeFileSync(join(dir, "authorized-chats.json"), JSON.stringify(chats), { mode: 0o600 });
}
