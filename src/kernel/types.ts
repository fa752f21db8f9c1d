/**
 * Ledger envelope and the payloads of the main event kinds; the map of every kind to its payload is
 * `event-kinds.ts`.
 */

export interface LedgerEvent<D = Record<string, unknown>> {
  v: 1;
  id: string;
  seq: number;
  ts: string;
  kind: string;
  group_id: string;
  by: string;
  data: D;
}

/** A stored attachment. `path` is relative to the group directory, e.g. `blobs/<sha256>_<name>`. */
export type Attachment = {
  path: string;
  name: string;
  mime: string;
  bytes: number;
  sha256: string;
};

/** Where a message typed by a person in a chat app came from. */
export type MessageSource = {
  platform: string;
  chat_id: string;
  chat_type: "direct" | "group";
  user_id: string;
  user_name: string;
  message_id: string;
};

export type ChatMessageData = {
  text: string;
  to: string[];
  reply_to?: string;
  attachments: Attachment[];
  source?: MessageSource;
  format?: "plain" | "markdown";
  /** Sender-chosen idempotency key: a retried send with the same key returns the first event. */
  client_id?: string;
  /** Set on the final reply of a streamed turn: the `stream_id` of its `chat.stream` events. */
  stream_id?: string;
};

/** `chat.read`: the actor has read everything addressed to it up to and including `event_id`/`seq`. */
export type ChatReadData = {
  actor_id: string;
  event_id: string;
  seq: number;
};

export type SystemNotifyData = {
  kind: string;
  priority: "low" | "normal" | "high" | "urgent";
  title: string;
  message: string;
  target_actor_id: string | null;
  /** `public` notices are forwarded to IM chats; `internal` ones stay in the group. */
  im_visibility: "internal" | "public";
  /** Recipients, when the notice is meant for some actors only (same tokens as chat.message). */
  to?: string[];
  /** The event the notice is about. */
  event_id?: string;
  /** The attachment the notice is about (e.g. a file too large for a chat app). */
  file?: { name: string; bytes: number; path: string };
};

export type ChatMessageEvent = LedgerEvent<ChatMessageData>;
