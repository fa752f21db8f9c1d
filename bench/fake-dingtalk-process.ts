/**
 * The fake DingTalk in its own process for benchmarks: `fork()` this file with the options as JSON
 * in argv[2]; it answers requests sent over the IPC channel (`FakeProcess` in bench-kit.ts).
 * Not a benchmark itself (no `-bench` suffix).
 */
import { type FakeRobotMessageOptions, startFakeDingTalk } from "../test/fakes/dingtalk/index.js";
import type { FakeDingTalkOptions } from "../test/fakes/dingtalk/server.js";

export type FakeRequest =
  | { op: "push"; message: FakeRobotMessageOptions }
  | { op: "connections" }
  | { op: "sent"; from?: number }
  | { op: "throttled" }
  | { op: "close" };

export interface SentRecord {
  /** conversationId (webhook, group send) or `user:<staffId>` (one-to-one send). */
  chat: string;
  msgKey: string;
  text: string;
  at: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as FakeDingTalkOptions;
const fake = await startFakeDingTalk(options);

function textOf(param: Record<string, unknown>): string {
  const p = param as { content?: unknown; text?: unknown };
  return `${typeof p.content === "string" ? p.content : ""}${typeof p.text === "string" ? p.text : ""}`;
}

async function handle(req: FakeRequest): Promise<unknown> {
  switch (req.op) {
    case "push":
      return fake.push(fake.robotMessage(req.message));
    case "connections":
      return fake.liveConnections().length;
    case "sent":
      return fake.sent.slice(req.from ?? 0).map(
        (m): SentRecord => ({
          chat:
            m.target.conversationId ?? m.target.openConversationId ?? `user:${m.target.userIds?.[0] ?? ""}`,
          msgKey: m.msgKey,
          text: textOf(m.msgParam),
          at: m.at,
        }),
      );
    case "throttled":
      return { ...fake.state.limiter.throttled };
    case "close":
      await fake.close();
      setImmediate(() => process.exit(0));
      return true;
  }
}

process.on("message", (msg: { id: number; req: FakeRequest }) => {
  handle(msg.req).then(
    (result) => process.send?.({ id: msg.id, result }),
    (error: unknown) => process.send?.({ id: msg.id, error: String(error) }),
  );
});
process.send?.({ ready: { apiBase: fake.apiBase, appKey: fake.app.appKey, appSecret: fake.app.appSecret } });
