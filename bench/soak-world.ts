/**
 * The system under soak: a fake DingTalk in this process, the real daemon as a subprocess
 * (`cccc daemon run`, killed with SIGKILL and restarted on demand), three soak agents, a bridge
 * configured through the CLI and four approved chats.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeDingTalk, startFakeDingTalk } from "../test/fakes/dingtalk/index.js";
import { IM_SET_DINGTALK } from "../test/support/seed.js";
import { CLI, customActorArgs, ROOT, runCli, waitUntil } from "./bench-kit.js";
import { CHAT_KINDS } from "./soak-plan.js";

const AGENT = join(ROOT, "test/fixtures/agents/soak-agent.mjs");
const FAST_DELIVERY = JSON.stringify({
  readyGraceMs: 100,
  readyMaxMs: 3000,
  preambleDelayMs: 100,
  submitDelayMs: 100,
});

export interface SoakChat {
  index: number;
  kind: "direct" | "group";
  conversationId: string;
  /** Direct chats: the OpenAPI fallback sends to this staff id. */
  staffId: string;
  nick: string;
  title?: string;
  /** Latest sessionWebhook handed to the bridge (for the expireSession fault). */
  session?: string;
}

export const ACTORS = ["lead", "peer1", "peer2"] as const;

export class SoakWorld {
  readonly root: string;
  readonly home: string;
  readonly chats: SoakChat[];
  gid = "";
  daemon?: ChildProcess;
  daemonStarts = 0;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly fake: FakeDingTalk,
    private readonly log: (line: string) => void,
  ) {
    this.root = mkdtempSync(join(tmpdir(), "cccc-soak-"));
    this.home = join(this.root, "home");
    mkdirSync(join(this.root, "scope"), { recursive: true });
    this.env = {
      ...process.env,
      CCCC_HOME: this.home,
      CCCC_PORT: "0",
      CCCC_NO_AUTOSTART: "1",
      CCCC_DELIVERY_TIMINGS: FAST_DELIVERY,
      CCCC_DINGTALK_API_BASE: fake.apiBase,
      CCCC_DINGTALK_OAPI_BASE: fake.oapiBase,
      DINGTALK_APP_KEY: fake.app.appKey,
      DINGTALK_APP_SECRET: fake.app.appSecret,
      DINGTALK_ROBOT_CODE: fake.app.appKey,
    };
    this.chats = CHAT_KINDS.map((kind, index) => ({
      index,
      kind,
      conversationId: `cid-soak-${kind}-${index}`,
      staffId: `staff-soak-${index}`,
      nick: kind === "direct" ? `用户${index}` : `成员${index}`,
      title: kind === "group" ? `研发群${index}` : undefined,
    }));
  }

  static async create(redeliverMs: number, log: (line: string) => void): Promise<SoakWorld> {
    const fake = await startFakeDingTalk({ redeliverAfterMs: redeliverMs, drainCloseMs: 5_000 });
    return new SoakWorld(fake, log);
  }

  get groupDir(): string {
    return join(this.home, "groups", this.gid);
  }

  /** Run the real CLI (with `--group` once the group exists); throws with its stderr on a non-zero exit. */
  cli(args: string[], timeoutMs = 30_000): Promise<string> {
    const full = this.gid && args[0] !== "group" ? [...args, "--group", this.gid] : args;
    return runCli(full, this.env, timeoutMs);
  }

  /** Start `cccc daemon run` and wait until its endpoint.json names it. */
  async startDaemon(): Promise<void> {
    const n = ++this.daemonStarts;
    const out = createWriteStream(join(this.root, `daemon-${n}.out`));
    const child = spawn(process.execPath, [CLI, "daemon", "run"], {
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    this.daemon = child;
    const endpoint = join(this.home, "daemon", "endpoint.json");
    await waitUntil(
      () => {
        if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}; see ${out.path}`);
        try {
          return (JSON.parse(readFileSync(endpoint, "utf8")) as { pid: number }).pid === child.pid;
        } catch {
          return false;
        }
      },
      20_000,
      "the daemon's endpoint.json",
    );
    this.log(`daemon #${n} up (pid ${child.pid})`);
  }

  /** SIGKILL the daemon (its PTY agents die with it; headless ones notice and exit). */
  async killDaemon(): Promise<void> {
    const child = this.daemon;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    this.log(`daemon pid ${child.pid} SIGKILLed`);
  }

  async stopDaemon(): Promise<void> {
    const child = this.daemon;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** Group, agents, bridge and four approved chats, all through the CLI and the fake. */
  async setUp(): Promise<void> {
    await this.startDaemon();
    this.gid = JSON.parse(
      await this.cli(["group", "create", "--title", "soak", "--scope", join(this.root, "scope"), "--json"]),
    ).group_id as string;
    const runners: Record<string, string> = { lead: "pty", peer1: "pty", peer2: "headless" };
    for (const id of ACTORS) {
      const runner = runners[id] ?? "pty";
      await this.cli(customActorArgs(id, runner, `node ${AGENT} ${runner}`));
    }
    await this.cli(["group", "start"]);
    await this.cli(IM_SET_DINGTALK);
    await this.cli(["im", "start"]);
    await waitUntil(() => this.fake.liveConnections().length > 0, 15_000, "the Stream connection");
    for (const chat of this.chats) await this.subscribe(chat);
    this.log(
      `group ${this.gid}: ${ACTORS.length} agents, ${this.chats.length} chats approved (home ${this.home})`,
    );
  }

  /** A robot message from `chat`; remembers its sessionWebhook. */
  message(
    chat: SoakChat,
    opts: { text?: string; file?: { name: string; bytes: Buffer } } = {},
  ): Record<string, unknown> {
    const payload = this.fake.robotMessage({
      chat: chat.kind,
      conversationId: chat.conversationId,
      conversationTitle: chat.title,
      senderStaffId: chat.staffId,
      senderNick: chat.nick,
      ...(opts.file
        ? {
            type: "file" as const,
            fileName: opts.file.name,
            file: { bytes: opts.file.bytes, mime: "text/plain", name: opts.file.name },
          }
        : { text: opts.text ?? "" }),
    });
    chat.session = String(payload.sessionWebhook);
    return payload;
  }

  /** The chat a send record went to (webhook session, group id, or a direct chat's staff id). */
  chatOf(target: {
    conversationId?: string;
    openConversationId?: string;
    userIds?: string[];
  }): SoakChat | undefined {
    const cid = target.conversationId ?? target.openConversationId;
    if (cid) return this.chats.find((c) => c.conversationId === cid);
    const staff = target.userIds?.[0];
    return this.chats.find((c) => c.kind === "direct" && c.staffId === staff);
  }

  private async subscribe(chat: SoakChat): Promise<void> {
    const keyOf = () =>
      this.fake.sent
        .filter((m) => this.chatOf(m.target) === chat)
        .map((m) => /--key ([A-Za-z0-9]+)/.exec(JSON.stringify(m.msgParam))?.[1])
        .find(Boolean);
    this.fake.push(this.message(chat, { text: "/subscribe" }));
    const key = await waitUntil(keyOf, 20_000, `the one-time key for ${chat.conversationId}`);
    await this.cli(["im", "bind", "--key", key]);
  }

  async close(): Promise<void> {
    await this.stopDaemon();
    await this.fake.close();
  }
}
