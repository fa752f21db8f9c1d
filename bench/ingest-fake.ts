/**
 * The fake DingTalk of the ingest benchmark, in its own process (forked with an IPC channel by
 * bench/ingest-bench.ts). It pushes robot messages over the real Stream protocol on loopback and
 * reports when every push of a run was acked. Commands (IPC messages):
 *   {type:"run", run, chats, perChat, paced} → pushes chats×perChat messages, answers
 *   {type:"acked", run, ms}. `paced`: one message per chat per wave, the next wave once the
 *   previous one is acked (nothing ever waits in a queue); otherwise one burst.
 * Every message text carries its push time (`performance.timeOrigin + performance.now()`), so the
 * benchmark can measure push → event on the daemon's live stream.
 */
import { startFakeDingTalk } from "../test/fakes/dingtalk/index.js";

export interface RunCommand {
  type: "run";
  run: string;
  chats: string[];
  perChat: number;
  paced: boolean;
}

const fake = await startFakeDingTalk({ redeliverAfterMs: null });
const now = () => performance.timeOrigin + performance.now();

function send(message: object): void {
  process.send?.(message);
}

/** Resolve once `want` of the given push ids were acked; checked on every event-loop turn. */
function acked(ids: Set<string>, from: number): Promise<void> {
  let seen = 0;
  let index = from;
  return new Promise((resolve) => {
    const check = () => {
      const acks = fake.acks;
      for (; index < acks.length; index++) if (ids.has(acks[index]?.messageId ?? "")) seen++;
      if (seen >= ids.size) resolve();
      else setTimeout(check, 1);
    };
    check();
  });
}

async function run(cmd: RunCommand): Promise<void> {
  const started = now();
  const waves = cmd.paced ? cmd.perChat : 1;
  const perWave = cmd.paced ? 1 : cmd.perChat;
  let seq = 0;
  for (let w = 0; w < waves; w++) {
    const ids = new Set<string>();
    const from = fake.acks.length;
    for (let n = 0; n < perWave; n++) {
      for (const [i, chat] of cmd.chats.entries()) {
        const payload = fake.robotMessage({
          chat: "direct",
          conversationId: chat,
          senderNick: `bench ${i}`,
          senderStaffId: `u-${chat}`,
          text: `bench ${cmd.run} ${seq++} @${now().toFixed(3)}`,
        });
        ids.add(fake.push(payload));
      }
    }
    await acked(ids, from);
  }
  send({ type: "acked", run: cmd.run, ms: now() - started });
}

process.on("message", (msg: RunCommand | { type: "close" }) => {
  if (msg.type === "close") {
    void fake.close().then(() => process.exit(0));
    return;
  }
  run(msg).catch((err: unknown) => send({ type: "error", message: String(err) }));
});
process.on("disconnect", () => process.exit(0));
send({
  type: "ready",
  apiBase: fake.apiBase,
  oapiBase: fake.oapiBase,
  appKey: fake.app.appKey,
  appSecret: fake.app.appSecret,
});
