/**
 * The durable hand-off of robot messages from the Stream connection to the bridge: dedupe by msgId,
 * journal before the ack (protocol §1.7: ack at once, or DingTalk re-pushes), then the handler; a
 * daemon killed after the ack replays the journal on its next start.
 */
import { ROBOT_TOPIC } from "./api.js";
import { parseFrameData } from "./frame.js";
import type { CallbackMeta, StreamClientOptions } from "./stream-options.js";

type Deps = Pick<StreamClientOptions, "dedupe" | "journal" | "onCallback" | "log">;

export class RobotInbox {
  constructor(
    private readonly opts: Deps,
    private readonly running: () => boolean,
  ) {}

  /** One CALLBACK frame of the robot topic; `ack` sends the ack frame with the given data. */
  receive(raw: string, meta: CallbackMeta, ack: (data: string) => void): void {
    const ackData = JSON.stringify({ response: null });
    const data = parseFrameData({ data: raw });
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      ack(ackData);
      this.opts.log(
        `stream: frame dropped: robot callback data is not a JSON object (${meta.messageId}, acked)`,
      );
      return;
    }
    const id = msgIdOf(data);
    if (id && this.opts.dedupe.has(id)) {
      ack(ackData);
      this.opts.log(`stream: duplicate message ${id} skipped (acked)`);
      return;
    }
    const key = id ?? `push:${meta.messageId}`;
    let durable = true;
    try {
      this.opts.journal?.record(key, raw);
    } catch (err) {
      durable = false;
      this.opts.log(
        `stream: cannot journal ${key} (${(err as Error).message}); not acked so DingTalk redelivers it`,
      );
    }
    if (durable) ack(ackData);
    this.dispatch(data as Record<string, unknown>, key, id, meta);
  }

  /** Messages journaled but not handled before the last stop or crash (§ Inbound journal). */
  replay(): void {
    const entries = this.opts.journal?.pending() ?? [];
    if (entries.length === 0) return;
    this.opts.log(`stream: replaying ${entries.length} message(s) received before a crash or stop`);
    for (const entry of entries) {
      const data = parseFrameData({ data: entry.data });
      if (!data || typeof data !== "object" || Array.isArray(data)) {
        this.opts.journal?.done(entry.id);
        continue;
      }
      this.dispatch(data as Record<string, unknown>, entry.id, msgIdOf(data), {
        messageId: "replay",
        topic: ROBOT_TOPIC,
      });
    }
  }

  private dispatch(
    data: Record<string, unknown>,
    key: string,
    msgId: string | undefined,
    meta: CallbackMeta,
  ): void {
    if (msgId) {
      try {
        this.opts.dedupe.add(msgId);
      } catch (err) {
        this.opts.log(`stream: could not persist dedupe id (${(err as Error).message})`);
      }
    }
    Promise.resolve()
      .then(() => this.opts.onCallback(data, meta))
      .then(() => {
        // Not after stop() began: the bridge may have dropped it while stopping; replay is harmless.
        if (this.running()) this.opts.journal?.done(key);
      })
      .catch((err: unknown) =>
        this.opts.log(`stream: message handler failed: ${(err as Error)?.message ?? err}`),
      );
  }
}

function msgIdOf(data: object): string | undefined {
  const msgId = (data as { msgId?: unknown }).msgId;
  return typeof msgId === "string" && msgId ? msgId : undefined;
}
