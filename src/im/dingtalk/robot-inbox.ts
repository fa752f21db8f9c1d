/**
 * The durable hand-off of robot messages from the Stream connection to the bridge
 * (docs/dingtalk-transport.md, "Inbound journal"): dedupe by msgId, journal (group commit), hand the
 * message to the bridge at the bridge's pace while its batch is written, ack once the batch is on
 * disk. Overload delays handling, it never refuses a journaled message; only a full journal
 * (maxPending) leaves a frame unacked, so DingTalk redelivers it. A daemon killed after the ack
 * replays the journal on start.
 */
import { ROBOT_TOPIC } from "./api.js";
import { parseFrameData } from "./frame.js";
import type { CallbackMeta, StreamClientOptions } from "./stream-options.js";

type Deps = Pick<StreamClientOptions, "dedupe" | "journal" | "onCallback" | "log" | "maxInFlight">;

interface Item {
  data: Record<string, unknown>;
  key: string;
  meta: CallbackMeta;
}

/** The answer to a robot callback. */
const ACK_DATA = JSON.stringify({ response: null });

/** Messages handed to the bridge at once; the rest wait in the journal's order. */
export const DEFAULT_MAX_IN_FLIGHT = 128;

export class RobotInbox {
  private queue: (Item | undefined)[] = [];
  private head = 0;
  private inFlight = 0;
  private refusing = false;

  constructor(
    private readonly opts: Deps,
    private readonly running: () => boolean,
  ) {}

  /** Received but not yet handed to the bridge, plus those being handled. */
  get backlog(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  /** One CALLBACK frame of the robot topic; `ack` sends the ack frame with the given data. */
  receive(raw: string, meta: CallbackMeta, ack: (data: string) => void): void {
    const ackData = ACK_DATA;
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
    const item: Item = { data: data as Record<string, unknown>, key, meta };
    const journal = this.opts.journal;
    if (!journal) {
      ack(ackData);
      this.accept(item, id);
      return;
    }
    let rec: ReturnType<typeof journal.record>;
    try {
      rec = journal.record(key, raw);
    } catch (err) {
      this.refuse(key, err as Error);
      return;
    }
    this.refusing = false;
    if (!rec.fresh) {
      // Redelivered while the first copy waits for its batch: ack it with that batch, handle once.
      this.opts.log(`stream: duplicate message ${key} skipped (acked once journaled)`);
      rec.durable.then(
        () => ack(ackData),
        () => {},
      );
      return;
    }
    meta.receivedAt = rec.at; // `meta` is this frame's own object (stream.ts), not shared
    // Handled while its batch is made durable: the ack waits for the journal's fdatasync, the event
    // for the ledger's own commit, so the two fsyncs overlap instead of adding up. Unacked until
    // then: after a crash or a failed write DingTalk redelivers it, and the ledger (idempotent on the
    // message id) and the bridge's seen-ids drop the copy.
    rec.durable.then(
      () => {
        ack(ackData);
        this.remember(id);
      },
      (err: Error) =>
        this.opts.log(`stream: cannot journal ${key} (${err.message}); not acked so DingTalk redelivers it`),
    );
    this.enqueue(item);
  }

  /** Messages journaled but not handled before the last stop or crash (docs/dingtalk-transport.md, "Inbound journal"). */
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
      const meta = { messageId: "replay", topic: ROBOT_TOPIC, receivedAt: entry.at };
      this.accept({ data: data as Record<string, unknown>, key: entry.id, meta }, msgIdOf(data));
    }
  }

  private refuse(key: string, err: Error): void {
    // Logged once per episode: a full backlog refuses many frames in a row.
    if (!this.refusing)
      this.opts.log(`stream: cannot journal ${key} (${err.message}); not acked so DingTalk redelivers it`);
    this.refusing = true;
  }

  /** Durable (or no journal): remember the id, queue it for the bridge. */
  private accept(item: Item, msgId: string | undefined): void {
    this.remember(msgId);
    this.enqueue(item);
  }

  /** Only once the journal has it on disk (or there is no journal): a remembered id is dropped when redelivered. */
  private remember(msgId: string | undefined): void {
    if (!msgId) return;
    try {
      this.opts.dedupe.add(msgId);
    } catch (err) {
      this.opts.log(`stream: could not persist dedupe id (${(err as Error).message})`);
    }
  }

  private enqueue(item: Item): void {
    this.queue.push(item);
    this.pump();
  }

  private pump(): void {
    const max = this.opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    while (this.inFlight < max && this.head < this.queue.length && this.running()) {
      const item = this.queue[this.head] as Item;
      this.queue[this.head++] = undefined;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head >= 4096 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.inFlight++;
      this.dispatch(item);
    }
  }

  private dispatch({ data, key, meta }: Item): void {
    Promise.resolve()
      .then(() => this.opts.onCallback(data, meta))
      .then(() => {
        // Not after stop() began: the bridge may have dropped it while stopping; replay is harmless.
        if (this.running()) this.opts.journal?.done(key);
      })
      .catch((err: unknown) =>
        this.opts.log(`stream: message handler failed: ${(err as Error)?.message ?? err}`),
      )
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }
}

function msgIdOf(data: object): string | undefined {
  const msgId = (data as { msgId?: unknown }).msgId;
  return typeof msgId === "string" && msgId ? msgId : undefined;
}
