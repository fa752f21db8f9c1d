/**
 * Drives a soak plan against the world: users' messages on schedule, and faults on schedule
 * (transport faults on the fake DingTalk, daemon SIGKILL + restart). Both loops record what they did.
 */
import type { FaultEndpoint } from "../test/fakes/dingtalk/index.js";
import { sleep } from "./bench-kit.js";
import { OfflineTracker } from "./soak-gaps.js";
import type { FaultName, Plan, PlannedFault, PlannedMessage } from "./soak-plan.js";
import type { SoakWorld } from "./soak-world.js";

export interface SentRecord extends PlannedMessage {
  pushedAt: number;
  /** The fake's Stream `headers.messageId` and the payload's `msgId`. */
  streamMessageId: string;
  msgId: string;
  expected: string[];
}

export interface FaultRecord {
  at: number;
  fault: FaultName;
  detail: string;
  /** False when the fault could not be applied (e.g. no connection at that moment). */
  applied: boolean;
}

const SEND_ENDPOINTS: FaultEndpoint[] = ["webhook", "groupSend", "usersSend"];
const FILLER = "please check the build and report back with what you find ";

export function expectedActors(m: PlannedMessage): string[] {
  if (m.shape === "file" || m.target === "foreman") return ["lead"];
  if (m.target === "all") return ["lead", "peer1", "peer2"];
  return [m.target];
}

function textOf(m: PlannedMessage, direct: boolean): string {
  const to = m.target === "foreman" ? "" : `@${m.target} `;
  const body =
    m.shape === "long" ? `${m.token} LONG ${FILLER.repeat(42).trim()}` : `${m.token} ${FILLER.trim()}`;
  return direct && m.plain ? `${to}${body}` : `/send ${to}${body}`;
}

export class Driver {
  readonly sent: SentRecord[] = [];
  readonly faults: FaultRecord[] = [];
  readonly kills: number[] = [];
  /** Stream offline gaps seen from the fake (soak-gaps.ts). */
  readonly offline: OfflineTracker;
  private t0 = 0;
  private stopped = false;

  constructor(
    private readonly world: SoakWorld,
    private readonly plan: Plan,
    private readonly log: (line: string) => void,
  ) {
    this.offline = new OfflineTracker(world.fake);
  }

  /** Runs both schedules to the end of the traffic window. */
  async run(): Promise<void> {
    this.t0 = Date.now();
    this.offline.start(this.t0);
    await Promise.all([this.traffic(), this.faultLoop()]);
  }

  stop(): void {
    if (!this.stopped) this.offline.stop();
    this.stopped = true;
  }

  get startedAt(): number {
    return this.t0;
  }

  private async until(at: number): Promise<boolean> {
    const wait = this.t0 + at - Date.now();
    if (wait > 0) await sleep(wait);
    return !this.stopped;
  }

  private async traffic(): Promise<void> {
    for (const m of this.plan.messages) {
      if (!(await this.until(m.at))) return;
      const chat = this.world.chats[m.chat];
      if (!chat) continue;
      const payload =
        m.shape === "file"
          ? this.world.message(chat, {
              file: { name: `${m.token}.txt`, bytes: Buffer.from(`file ${m.token}\n`) },
            })
          : this.world.message(chat, { text: textOf(m, chat.kind === "direct") });
      const streamMessageId = this.world.fake.push(payload);
      this.sent.push({
        ...m,
        pushedAt: Date.now(),
        streamMessageId,
        msgId: String(payload.msgId),
        expected: expectedActors(m),
      });
    }
  }

  private async faultLoop(): Promise<void> {
    for (const f of this.plan.faults) {
      if (!(await this.until(f.at))) return;
      const at = Date.now() - this.t0;
      try {
        const detail = await this.inject(f);
        this.faults.push({ at, fault: f.fault, detail, applied: true });
        this.log(`t=${(at / 1000).toFixed(1)}s fault ${f.fault} ${detail}`);
      } catch (err) {
        this.faults.push({ at, fault: f.fault, detail: (err as Error).message, applied: false });
        this.log(`t=${(at / 1000).toFixed(1)}s fault ${f.fault} not applied: ${(err as Error).message}`);
      }
    }
  }

  private async inject(f: PlannedFault): Promise<string> {
    const { fake } = this.world;
    const endpoint = SEND_ENDPOINTS[f.arg % SEND_ENDPOINTS.length] ?? "webhook";
    switch (f.fault) {
      case "disconnect":
        return `connection ${fake.disconnect().id.slice(0, 8)}`;
      case "dropSocket":
        return `connection ${fake.dropSocket().id.slice(0, 8)}`;
      case "zombie":
        return `connection ${fake.zombie().id.slice(0, 8)}`;
      case "refuseGateway": {
        fake.refuseGatewayOpen(f.times);
        return `next ${f.times} gateway opens refused, connection ${fake.dropSocket().id.slice(0, 8)} dropped`;
      }
      case "sendQps":
        fake.fail(endpoint, "qps", f.times);
        return `${endpoint} ×${f.times}`;
      case "sendServerError":
        fake.fail(endpoint, "serverError", f.times);
        return `${endpoint} ×${f.times}`;
      case "expireTokens":
        fake.expireTokens();
        return "all access tokens revoked";
      case "expireSession": {
        const chat = this.world.chats[f.arg % this.world.chats.length];
        if (!chat?.session) throw new Error("chat has no session yet");
        fake.expireSession(chat.session);
        return `chat ${chat.conversationId}`;
      }
      case "daemonKill": {
        this.kills.push(Date.now() - this.t0);
        await this.world.killDaemon();
        await sleep(1_000);
        await this.world.startDaemon();
        return `restarted as daemon #${this.world.daemonStarts}`;
      }
    }
  }
}
