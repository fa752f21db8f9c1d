/**
 * The typed map of ledger event kinds to their `data` (one definition for writers and readers:
 * kernel, daemon, IM bridge, CLI, Web UI). Live-only `chat.stream` items are not ledger events
 * (src/daemon/stream-hub.ts). Naming: a record that IS the content keeps a noun
 * (`chat.message`, `chat.stream`, `system.notify`, `chat.read`); an event that reports something
 * that happened is `noun.verbed` in the past tense (`actor.started`, `im.chat_authorized`).
 *
 * Kinds renamed to that rule are read under their new name from old ledgers (`currentKind`, applied
 * by `parseLine` to every line read), so a reader never needs to know the old spelling.
 */
import type { ApprovalDecidedData, ApprovalRequestedData } from "./approval.js";
import type { ActorConfig } from "./config.js";
import type { ChatMessageData, ChatReadData, LedgerEvent, SystemNotifyData } from "./types.js";

type ChatType = "direct" | "group";

export type LedgerEventData = {
  "chat.message": ChatMessageData;
  "chat.read": ChatReadData;
  "system.notify": SystemNotifyData;
  "group.created": { title: string };
  "group.started": { started: string[] };
  "group.stopped": { stopped: string[] };
  "actor.added": { actor: ActorConfig };
  "actor.removed": { actor_id: string };
  "actor.started": { actor_id: string; runner: string; pid: number | null };
  "actor.stopped": { actor_id: string };
  "actor.updated": { actor_id: string; title?: string; permissions?: "bypass" | "ask" };
  "actor.exited": {
    actor_id: string;
    status: string;
    code: number | null;
    signal: string | null;
    restarting: boolean;
  };
  "im.started": { platform: string };
  "im.stopped": { platform: string; reason: string };
  "im.key_issued": {
    chat_id: string;
    chat_type: ChatType;
    chat_title: string;
    user_name: string;
    expires_at: string;
  };
  "im.key_evicted": { chat_id: string; chat_type: ChatType };
  "im.chat_authorized": { chat_id: string; chat_type: ChatType; chat_title: string; by: string };
  "im.chat_revoked": { chat_id: string; by: string };
  "im.subscribed": { chat_id: string; chat_type: ChatType };
  "im.unsubscribed": { chat_id: string; by: string };
  "im.paused": { chat_id: string };
  "im.resumed": { chat_id: string; held_back: number };
  "im.verbose_changed": { chat_id: string; verbose: boolean };
  "im.inbound_refused": {
    chat_id: string;
    count: number;
    reasons: string[];
    limit: { messages: number; per_ms: number };
  };
  "approval.requested": ApprovalRequestedData;
  "approval.decided": ApprovalDecidedData;
};

export type LedgerKind = keyof LedgerEventData;

/** A ledger event whose `kind` (and so `data`) is known. */
export type EventOf<K extends LedgerKind> = LedgerEvent<LedgerEventData[K]> & { kind: K };

/** One item to append, typed by its kind. */
export type TypedAppend = {
  [K in LedgerKind]: { kind: K; by: string; data: LedgerEventData[K] };
}[LedgerKind];

/** Narrow an event read from the ledger to its kind's data type. */
export function isEventOf<K extends LedgerKind>(event: LedgerEvent, kind: K): event is EventOf<K> {
  return event.kind === kind;
}

/** Old spellings → current kinds (ledgers written before the tense rule). */
export const RENAMED_KINDS: Readonly<Record<string, LedgerKind>> = {
  "group.create": "group.created",
  "group.start": "group.started",
  "group.stop": "group.stopped",
  "actor.add": "actor.added",
  "actor.remove": "actor.removed",
  "actor.start": "actor.started",
  "actor.stop": "actor.stopped",
};

/** The current name of a kind read from a ledger line. */
export function currentKind(kind: string): string {
  return Object.hasOwn(RENAMED_KINDS, kind) ? (RENAMED_KINDS[kind] as string) : kind;
}

/** Recipient tokens that mean "the user" (`@user` is kept for lines written before canonicalizing). */
const USER_TOKENS: ReadonlySet<string> = new Set(["user", "@user", "@all"]);

/**
 * The one definition of a user-facing message (what chat apps show to every subscribed chat, and
 * the Web UI and CLI treat as "to you"): addressed to nobody in particular, to the user, or to
 * everyone. Anything else is agent-to-agent traffic.
 */
export function isUserFacing(to: readonly string[]): boolean {
  return to.length === 0 || to.some((t) => USER_TOKENS.has(t));
}
