import { BlobStore } from "./blobs.js";
import { chatMessageData, idempotencyKey, inlinePreview, type SendInput } from "./chat-message.js";
import {
  type ActorConfig,
  defaultRunnerFor,
  type GroupConfig,
  loadGroupConfig,
  STRUCTURED_RUNTIMES,
  saveGroupConfig,
} from "./config.js";
import { NotFoundError, ValidationError } from "./errors.js";
import type { EventOf, LedgerEventData, LedgerKind, TypedAppend } from "./event-kinds.js";
import type { Home } from "./home.js";
import { validateActorId } from "./ids.js";
import { InboxIndex } from "./inbox.js";
import { Ledger } from "./ledger.js";
import { MessageIndex } from "./message-index.js";
import { foremanOf } from "./recipients.js";
import type { ChatMessageData, ChatMessageEvent, LedgerEvent } from "./types.js";

export { INLINE_PREVIEW_UNITS, type SendInput } from "./chat-message.js";

/** Shortest usable event id prefix: the 8 characters agents see after `reply:`. */
const PREFIX = 8;

/** One working group: its config, ledger, inbox index and blobs. All writes go through here. */
export class Group {
  readonly inbox: InboxIndex;
  readonly blobs: BlobStore;
  /** Every message of the ledger: id → seq, prefixes, idempotency keys (compact: message-index.ts). */
  private readonly messages = new MessageIndex();
  private readonly inflight = new Map<string, Promise<ChatMessageEvent>>();
  /** Keys of `sendMany` items being appended: their batch and place in it (no promise per item). */
  private readonly inflightBatch = new Map<string, { batch: Promise<LedgerEvent[]>; at: number }>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly home: Home,
    public config: GroupConfig,
    readonly ledger: Ledger,
  ) {
    this.inbox = new InboxIndex(
      () => this.config.actors,
      (afterSeq, limit) => ledger.read(afterSeq, limit),
    );
    this.blobs = new BlobStore(home.groupDir(config.group_id));
  }

  static async open(home: Home, groupId: string): Promise<Group> {
    const file = home.groupConfigFile(groupId);
    const config = await loadGroupConfig(file);
    if (!config) throw new NotFoundError("group_not_found", `Group ${groupId} has no ${file}.`);
    const ledger = await Ledger.open(home.ledgerFile(groupId), groupId);
    const group = new Group(home, config, ledger);
    await ledger.scan((e) => group.index(e));
    ledger.subscribe((e) => group.index(e));
    return group;
  }

  static async create(home: Home, config: GroupConfig): Promise<Group> {
    await saveGroupConfig(home.groupConfigFile(config.group_id), config);
    const group = await Group.open(home, config.group_id);
    await group.append("group.created", "user", { title: config.title });
    return group;
  }

  get id(): string {
    return this.config.group_id;
  }

  private index(event: LedgerEvent): void {
    if (event.kind === "chat.message") this.messages.add(event.id, event.seq, keyOfEvent(event));
    this.inbox.apply(event);
  }

  /** Serialize read-modify-write operations on this group. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Append one event; its data is checked against the kind's type (event-kinds.ts). */
  append<K extends LedgerKind>(kind: K, by: string, data: LedgerEventData[K]): Promise<EventOf<K>> {
    return this.ledger.append(kind, by, data) as Promise<EventOf<K>>;
  }

  /** Append events in one write (a reader never sees one without the others), typed by kind. */
  appendMany(items: TypedAppend[]): Promise<LedgerEvent[]> {
    return this.ledger.appendMany(items);
  }

  actor(actorId: string): ActorConfig {
    const actor = this.config.actors.find((a) => a.id === actorId);
    if (!actor) {
      const known = this.config.actors.map((a) => a.id).join(", ") || "none yet";
      throw new NotFoundError(
        "actor_not_found",
        `No actor "${actorId}" in group ${this.id} (actors: ${known}).`,
      );
    }
    return actor;
  }

  foreman(): ActorConfig | undefined {
    return foremanOf(this.config.actors);
  }

  async updateConfig(mutate: (config: GroupConfig) => void): Promise<GroupConfig> {
    return this.exclusive(async () => {
      const next = structuredClone(this.config);
      mutate(next);
      next.updated_at = new Date().toISOString();
      await saveGroupConfig(this.home.groupConfigFile(this.id), next);
      this.config = next;
      return next;
    });
  }

  async addActor(input: Partial<ActorConfig> & Pick<ActorConfig, "id" | "runtime">): Promise<ActorConfig> {
    validateActorId(input.id);
    if (input.runtime === "custom" && (input.command ?? []).length === 0) {
      throw new ValidationError(
        "command_required",
        "A custom actor needs --command, e.g. --command 'python3 agent.py'.",
      );
    }
    if (input.runner === "structured" && !STRUCTURED_RUNTIMES.includes(input.runtime)) {
      throw new ValidationError(
        "structured_not_supported",
        `Runtime "${input.runtime}" has no structured session (only ${STRUCTURED_RUNTIMES.join(" and ")}); use --runner pty or headless.`,
      );
    }
    const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    const actor: ActorConfig = {
      title: "",
      runner: defaultRunnerFor(input.runtime),
      command: [],
      env: {},
      ...given,
      id: input.id,
      runtime: input.runtime,
      enabled: input.enabled ?? true,
      created_at: new Date().toISOString(),
    };
    await this.updateConfig((c) => {
      if (c.actors.some((a) => a.id === actor.id)) {
        throw new ValidationError("actor_exists", `Actor "${actor.id}" already exists in group ${this.id}.`);
      }
      c.actors.push(actor);
    });
    await this.append("actor.added", "user", { actor });
    return actor;
  }

  async removeActor(actorId: string): Promise<void> {
    this.actor(actorId);
    await this.updateConfig((c) => {
      c.actors = c.actors.filter((a) => a.id !== actorId);
    });
    await this.append("actor.removed", "user", { actor_id: actorId });
  }

  /**
   * Append a chat.message. Idempotent on the inbound IM message id (`source`) and on a sender's
   * `client_id`, so a retry after a lost answer (a killed daemon, a dropped connection) never
   * writes the message twice.
   */
  async send(input: SendInput): Promise<ChatMessageEvent> {
    const key = idempotencyKey(input.by, input.source, input.client_id);
    if (!key) return this.appendMessage(input);
    // The index gives candidates by the key's hash; each is confirmed against the event itself.
    // Re-checked after every read, so nothing is appended between the last check and `inflight`.
    const checked = new Set<number>();
    for (let seqs = this.messages.keyCandidates(key); seqs.some((s) => !checked.has(s)); ) {
      for (const seq of seqs) {
        if (checked.has(seq)) continue;
        checked.add(seq);
        const [event] = await this.ledger.read(seq - 1, 1);
        if (event?.seq === seq && keyOfEvent(event) === key) return event as ChatMessageEvent;
      }
      seqs = this.messages.keyCandidates(key);
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const slot = this.inflightBatch.get(key);
    if (slot) return slot.batch.then((events) => events[slot.at] as ChatMessageEvent);
    const appended = this.appendMessage(input).finally(() => this.inflight.delete(key));
    this.inflight.set(key, appended);
    return appended;
  }

  /**
   * `send` for many messages at once (the IM bridge's messages of one tick): the new ones go to the
   * ledger in one `appendMany`, in input order. A message seen before (or twice in `inputs`), an
   * invalid one and a long text (kept in a blob) take `send`'s own path, after the batch: callers
   * that need an order between two messages (one chat's) send the second once the first is in.
   * Never rejects: each input's outcome is its event or its error. A batch the ledger refuses as
   * invalid is retried one by one, so one bad message fails alone.
   */
  async sendMany(inputs: readonly SendInput[]): Promise<Array<ChatMessageEvent | Error>> {
    const out: Array<ChatMessageEvent | Error> = new Array(inputs.length);
    const items: TypedAppend[] = [];
    const at: number[] = [];
    const keys = new Map<string, number>();
    let alone: number[] = [];
    for (const [i, input] of inputs.entries()) {
      const key = idempotencyKey(input.by, input.source, input.client_id);
      const data = key !== undefined && this.seen(key, keys) ? undefined : this.checkedData(input);
      if (!data) {
        alone.push(i);
        continue;
      }
      if (key !== undefined) keys.set(key, items.length);
      items.push({ kind: "chat.message", by: input.by, data });
      at.push(i);
    }
    const batch = this.ledger.appendMany(items, { owned: true });
    for (const [key, j] of keys) this.inflightBatch.set(key, { batch, at: j });
    try {
      const events = await batch;
      for (const [j, i] of at.entries()) out[i] = events[j] as ChatMessageEvent;
    } catch (error) {
      if (error instanceof ValidationError) alone = [...alone, ...at];
      else for (const i of at) out[i] = asError(error);
    } finally {
      for (const key of keys.keys()) this.inflightBatch.delete(key);
    }
    await Promise.all(
      alone.map((i) =>
        this.send(inputs[i] as SendInput).then(
          (event) => {
            out[i] = event;
          },
          (error: unknown) => {
            out[i] = asError(error);
          },
        ),
      ),
    );
    return out;
  }

  /**
   * Known (or a hash collision with a known key: `send` tells them apart), being appended, or
   * earlier in the same batch.
   */
  private seen(key: string, batch: ReadonlyMap<string, number>): boolean {
    return (
      this.messages.keyCandidates(key).length > 0 ||
      this.inflight.has(key) ||
      this.inflightBatch.has(key) ||
      batch.has(key)
    );
  }

  /** `messageData`, or undefined where it throws (then `send` throws it for that message alone). */
  private checkedData(input: SendInput): ChatMessageData | undefined {
    try {
      return this.messageData(input);
    } catch {
      return undefined;
    }
  }

  private async appendMessage(input: SendInput): Promise<ChatMessageEvent> {
    let data = this.messageData(input);
    if (!data) {
      // Too long to keep inline: the whole text goes to a blob, the line keeps a preview.
      const blob = await this.blobs.put(Buffer.from(input.text), "message.txt", "text/plain");
      data = this.messageData({
        ...input,
        text: inlinePreview(input.text),
        attachments: [...(input.attachments ?? []), blob],
      });
      if (!data) throw new Error("unreachable: the preview is short");
    }
    const [event] = await this.ledger.appendMany([{ kind: "chat.message", by: input.by, data }], {
      owned: true,
    });
    return event as ChatMessageEvent;
  }

  /** `chatMessageData` (chat-message.ts) for this group; an actor sender must exist. */
  private messageData(input: SendInput): ChatMessageData | undefined {
    if (input.by !== "user" && input.by !== "system") this.actor(input.by);
    return chatMessageData(input, this.config.actors, this.id);
  }

  /** Reply to an event (id or unique prefix). Without `to`, the answer goes to the original sender. */
  async reply(input: SendInput & { event_id: string }): Promise<ChatMessageEvent> {
    const original = await this.event(input.event_id);
    const to = input.to?.length ? input.to : [original.by === input.by ? "@all" : original.by];
    return this.send({ ...input, to, reply_to: original.id });
  }

  /** Is this the exact id of a chat.message of this group? */
  hasMessage(id: string): boolean {
    return this.messages.seqOf(id) !== undefined;
  }

  /** A chat.message by id or unique id prefix (at least 8 characters, as agents see them). */
  async event(idOrPrefix: string): Promise<ChatMessageEvent> {
    let seq = this.messages.seqOf(idOrPrefix);
    if (seq === undefined && idOrPrefix.length >= PREFIX) {
      const matches = this.messages.withPrefix(idOrPrefix);
      if (matches.length > 1) {
        throw new ValidationError(
          "ambiguous_event_id",
          `Event id prefix "${idOrPrefix}" matches several messages; give more characters.`,
        );
      }
      seq = matches[0]?.seq;
    }
    const [event] = seq === undefined ? [] : await this.ledger.read(seq - 1, 1);
    if (!event)
      throw new NotFoundError("event_not_found", `No message with id "${idOrPrefix}" in group ${this.id}.`);
    return event as ChatMessageEvent;
  }

  /** Mark an actor's inbox read up to `eventId` (inclusive), or entirely. */
  async markRead(actorId: string, eventId?: string): Promise<LedgerEvent> {
    this.actor(actorId);
    const target = eventId ? await this.event(eventId) : await this.inbox.last(actorId);
    const seq = target?.seq ?? this.ledger.lastSeq();
    return this.append("chat.read", actorId, { actor_id: actorId, event_id: target?.id ?? "", seq });
  }
}

/** The idempotency key of a chat.message event (data read from disk may lack fields). */
function keyOfEvent(event: LedgerEvent): string | undefined {
  const data = event.data as unknown as ChatMessageData;
  return idempotencyKey(event.by, data.source, data.client_id);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
