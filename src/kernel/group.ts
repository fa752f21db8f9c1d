import { BlobStore } from "./blobs.js";
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
import { cutToUnits } from "./graphemes.js";
import type { Home } from "./home.js";
import { validateActorId } from "./ids.js";
import { InboxIndex } from "./inbox.js";
import { Ledger } from "./ledger.js";
import { MessageIndex } from "./message-index.js";
import { foremanOf, resolveRecipients } from "./recipients.js";
import type { Attachment, ChatMessageData, ChatMessageEvent, LedgerEvent, MessageSource } from "./types.js";

/** Shortest usable event id prefix: the 8 characters agents see after `reply:`. */
const PREFIX = 8;

/** Texts longer than this are kept whole in an attachment; the ledger line keeps a preview. */
const MAX_INLINE_TEXT_BYTES = 32_000;
/** The preview kept inline: at most this many UTF-16 units, cut at a grapheme boundary. */
export const INLINE_PREVIEW_UNITS = 2000;

export interface SendInput {
  by: string;
  text: string;
  to?: string[];
  attachments?: Attachment[];
  reply_to?: string;
  source?: MessageSource;
  format?: "plain" | "markdown";
  client_id?: string;
  /** The `chat.stream` this message ends (structured runners). */
  stream_id?: string;
}

/** One working group: its config, ledger, inbox index and blobs. All writes go through here. */
export class Group {
  readonly inbox: InboxIndex;
  readonly blobs: BlobStore;
  /** Every message of the ledger: id → seq, prefixes, idempotency keys (compact: message-index.ts). */
  private readonly messages = new MessageIndex();
  private readonly inflight = new Map<string, Promise<ChatMessageEvent>>();
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
    const key = idempotencyKey(input);
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
    const appended = this.appendMessage(input).finally(() => this.inflight.delete(key));
    this.inflight.set(key, appended);
    return appended;
  }

  private async appendMessage(input: SendInput): Promise<ChatMessageEvent> {
    if (input.by !== "user" && input.by !== "system") this.actor(input.by);
    const attachments = [...(input.attachments ?? [])];
    if (input.text.trim() === "" && attachments.length === 0) {
      throw new ValidationError("empty_message", "The message is empty: give some text or attach a file.");
    }
    let to = resolveRecipients(input.to ?? [], this.config.actors);
    if (to.length === 0) to = input.by === "user" ? ["@foreman"] : ["@all"];
    if (input.by === "user" && to.includes("@foreman") && this.config.actors.length === 0) {
      throw new ValidationError(
        "no_actors",
        `Group ${this.id} has no actors yet: add one with "cccc actor add".`,
      );
    }
    let text = input.text;
    if (Buffer.byteLength(text) > MAX_INLINE_TEXT_BYTES) {
      attachments.push(await this.blobs.put(Buffer.from(text), "message.txt", "text/plain"));
      text = `${cutToUnits(text, INLINE_PREVIEW_UNITS)}\n…[message continues: the full text is in the attached message.txt]`;
    }
    // Fresh plain JSON (copies without undefined keys): the ledger may keep it as the event's data.
    const data: ChatMessageData = { text, to, attachments: attachments.map(defined) };
    if (input.reply_to) data.reply_to = input.reply_to;
    if (input.source) data.source = defined(input.source);
    if (input.format) data.format = input.format;
    if (input.client_id) data.client_id = input.client_id;
    if (input.stream_id) data.stream_id = input.stream_id;
    const [event] = await this.ledger.appendMany([{ kind: "chat.message", by: input.by, data }], {
      owned: true,
    });
    return event as ChatMessageEvent;
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

/**
 * Built with `join`, which makes one flat string: a template literal makes a tree of string pieces,
 * and a Map keeps its key as given (~300 bytes a key instead of ~100, for every message of the ledger).
 */
function idempotencyKey(m: { by: string; source?: MessageSource; client_id?: string }): string | undefined {
  if (m.source) return ["src", m.source.platform, m.source.chat_id, m.source.message_id].join(":");
  if (m.client_id) return ["cid", m.by, m.client_id].join(":");
  return undefined;
}

/** The idempotency key of a chat.message event (data read from disk may lack fields). */
function keyOfEvent(event: LedgerEvent): string | undefined {
  const data = event.data as unknown as ChatMessageData;
  return idempotencyKey({ by: event.by, source: data.source, client_id: data.client_id });
}

/** A shallow copy of `o` without its undefined-valued keys (what JSON would drop). */
function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
