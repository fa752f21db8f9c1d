/**
 * The durable hand-off of robot messages from the Stream connection to the bridge
 * (docs/dingtalk-transport.md, "Inbound journal"): dedupe by msgId, journal (group commit), hand the
 * message to the bridge at the bridge's pace while its batch is written, ack once the batch is on
 * disk. Overload delays handling, it never refuses a journaled message: a backlog pauses reading
 * from the socket (PAUSE_AT), and only a full journal (maxPending) leaves a frame unacked, so
 * DingTalk redelivers it. A daemon killed after the ack replays the journal on start.
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

/** Sends the ack frame of push `messageId` with `data` (one function per connection, not per frame). */
export type Ack = (messageId: string, data: string) => void;

/**
 * The frames waiting for one journal batch: acked together by one reaction on the batch's promise
 * (a burst's frames share a batch), not one promise reaction and closure per frame.
 */
interface Waiting {
  durable: Promise<void>;
  acks: Ack[];
  pushIds: string[];
  keys: string[];
  /** The msgId to remember once acked; undefined for a redelivery of a pending one. */
  msgIds: (string | undefined)[];
}

/** A settled promise whose `then` queues a plain microtask (Node's `queueMicrotask` makes an AsyncResource each call). */
const RESOLVED = Promise.resolve();

/** The answer to a robot callback. */
const ACK_DATA = JSON.stringify({ response: null });

/** Messages handed to the bridge at once; the rest wait in the journal's order. */
export const DEFAULT_MAX_IN_FLIGHT = 128;

/**
 * Reading from the socket stops while this many received messages wait for the bridge, and goes on
 * once RESUME_AT are left: the rest of a burst waits in the kernel's socket buffers (unacked, so
 * DingTalk keeps it) instead of on the heap, where thousands of queued messages were copied by
 * every young-generation GC and promoted (docs/dingtalk-transport.md, "Reading paused under a
 * backlog"; docs/bench.md).
 */
export const PAUSE_AT = 512;
export const RESUME_AT = 128;

/** Stops and restarts reading from the platform's connections (stream.ts). */
export interface ReadFlow {
  pause(): void;
  resume(): void;
}

export class RobotInbox {
  private queue: (Item | undefined)[] = [];
  private head = 0;
  private inFlight = 0;
  private refusing = false;
  private waiting: Waiting | undefined;
  private paused = false;
  /** Dispatched, waiting for their microtask. */
  private ready: Item[] = [];
  private handOverScheduled = false;

  constructor(
    private readonly opts: Deps,
    private readonly running: () => boolean,
    private readonly flow?: ReadFlow,
  ) {}

  /** Received but not yet handed to the bridge, plus those being handled. */
  get backlog(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  /**
   * One CALLBACK frame of the robot topic; `ack` sends an ack frame on its connection. `frame`: the
   * frame's bytes as received, whose `data` is `raw`: journaled as they are.
   */
  receive(raw: string, meta: CallbackMeta, ack: Ack, frame?: Buffer): void {
    const data = parseFrameData({ data: raw });
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      ack(meta.messageId, ACK_DATA);
      this.opts.log(
        `stream: frame dropped: robot callback data is not a JSON object (${meta.messageId}, acked)`,
      );
      return;
    }
    const id = msgIdOf(data);
    if (id && this.opts.dedupe.has(id)) {
      ack(meta.messageId, ACK_DATA);
      this.opts.log(`stream: duplicate message ${id} skipped (acked)`);
      return;
    }
    const key = id ?? `push:${meta.messageId}`;
    const item: Item = { data: data as Record<string, unknown>, key, meta };
    const journal = this.opts.journal;
    if (!journal) {
      ack(meta.messageId, ACK_DATA);
      this.accept(item, id);
      return;
    }
    let rec: ReturnType<typeof journal.record>;
    try {
      rec = journal.record(key, raw, { json: true, frame }); // parsed above: JSON, stored verbatim
    } catch (err) {
      this.refuse(key, err as Error);
      return;
    }
    this.refusing = false;
    if (!rec.fresh) {
      // Redelivered while the first copy waits for its batch: ack it with that batch, handle once.
      this.opts.log(`stream: duplicate message ${key} skipped (acked once journaled)`);
      this.ackWhenDurable(rec.durable, ack, meta.messageId, key, undefined);
      return;
    }
    meta.receivedAt = rec.at; // `meta` is this frame's own object (stream.ts), not shared
    // Handled while its batch is made durable: the ack waits for the journal's fdatasync, the event
    // for the ledger's own commit, so the two fsyncs overlap instead of adding up. Unacked until
    // then: after a crash or a failed write DingTalk redelivers it, and the ledger (idempotent on the
    // message id) and the bridge's seen-ids drop the copy.
    this.ackWhenDurable(rec.durable, ack, meta.messageId, key, id);
    this.enqueue(item);
  }

  /** Ack (and remember the msgId) once `durable` resolves; a failed batch is not acked. */
  private ackWhenDurable(
    durable: Promise<void>,
    ack: Ack,
    pushId: string,
    key: string,
    msgId: string | undefined,
  ): void {
    let w = this.waiting;
    if (w?.durable !== durable) {
      const group: Waiting = { durable, acks: [], pushIds: [], keys: [], msgIds: [] };
      this.waiting = w = group;
      durable.then(
        () => {
          if (this.waiting === group) this.waiting = undefined;
          for (let i = 0; i < group.acks.length; i++) {
            (group.acks[i] as Ack)(group.pushIds[i] as string, ACK_DATA);
            this.remember(group.msgIds[i]);
          }
        },
        (err: Error) => {
          if (this.waiting === group) this.waiting = undefined;
          const more = group.keys.length > 1 ? ` and ${group.keys.length - 1} more` : "";
          this.opts.log(
            `stream: cannot journal ${group.keys[0]}${more} (${err.message}); not acked so DingTalk redelivers it`,
          );
        },
      );
    }
    w.acks.push(ack);
    w.pushIds.push(pushId);
    w.keys.push(key);
    w.msgIds.push(msgId);
  }

  /** Messages journaled but not handled before the last stop or crash (docs/dingtalk-transport.md, "Inbound journal"). */
  replay(): void {
    // Messages still queued when the client stopped go on first; this also resumes reading if the
    // stop left it paused (the new connection starts paused while the backlog is over the bound).
    this.pump();
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
    if (!this.paused && this.flow && this.queue.length - this.head >= PAUSE_AT) {
      this.paused = true;
      this.flow.pause();
    }
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
    if (this.paused && this.queue.length - this.head <= RESUME_AT) {
      this.paused = false;
      this.flow?.resume();
    }
  }

  /**
   * The handler runs in a microtask (in queue order, never inside `receive`), one for all messages
   * dispatched in the same run.
   */
  private dispatch(item: Item): void {
    this.ready.push(item);
    if (this.handOverScheduled) return;
    this.handOverScheduled = true;
    RESOLVED.then(() => this.handOver());
  }

  private handOver(): void {
    this.handOverScheduled = false;
    const items = this.ready;
    this.ready = [];
    for (const item of items) this.call(item);
  }

  /** One reaction on the handler's result. */
  private call({ data, key, meta }: Item): void {
    let result: Promise<void> | void;
    try {
      result = this.opts.onCallback(data, meta);
    } catch (err) {
      this.settled(key, err);
      return;
    }
    if (result && typeof result.then === "function")
      result.then(
        () => this.settled(key),
        (err: unknown) => this.settled(key, err ?? new Error("rejected")),
      );
    else this.settled(key);
  }

  private settled(key: string, err?: unknown): void {
    try {
      if (err !== undefined) throw err;
      // Not after stop() began: the bridge may have dropped it while stopping; replay is harmless.
      if (this.running()) this.opts.journal?.done(key);
    } catch (e) {
      this.opts.log(`stream: message handler failed: ${(e as Error)?.message ?? e}`);
    } finally {
      this.inFlight--;
      this.pump();
    }
  }
}

function msgIdOf(data: object): string | undefined {
  const msgId = (data as { msgId?: unknown }).msgId;
  return typeof msgId === "string" && msgId ? msgId : undefined;
}
