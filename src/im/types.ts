/**
 * Platform-neutral IM types. The bridge core (src/im/*.ts) talks to a chat platform only through
 * `PlatformAdapter`; each platform is one folder (src/im/<platform>/) that implements it.
 * The core talks to the kernel only through `BridgeHost`, which the daemon implements.
 */
import type { LedgerEventData, LedgerKind } from "../kernel/event-kinds.js";
import type { Attachment, LedgerEvent, MessageSource } from "../kernel/types.js";

export type ChatType = "direct" | "group";

/** A file attached to an inbound message, not yet downloaded. */
export interface InboundFile {
  kind: "image" | "file" | "audio" | "video";
  /** Platform handle used to download it (e.g. a download code). */
  downloadCode: string;
  fileName?: string;
  /** Where a platform needs it: the robot code the download must be made with. */
  robotCode?: string;
}

/** The message a chat user quoted (replied to), as far as the platform tells (quote-reply routing). */
export interface QuotedMessage {
  /** Its text as the platform shows it (for our agents' messages: with the sender header). May be empty. */
  text: string;
  /** Platform message id of the quoted message. */
  messageId?: string;
  /** Platform id of its sender (may be encrypted: comparable only within the platform). */
  senderId?: string;
  /** The platform's msgtype of the quoted message, for logs. */
  rawType?: string;
}

/** One inbound chat message after decoding, before any routing decision. */
export interface InboundMessage {
  platform: string;
  /** Platform message id; the dedupe and idempotency key. */
  messageId: string;
  chatId: string;
  chatType: ChatType;
  chatTitle?: string;
  userId: string;
  userName: string;
  /** Enterprise staff id where the platform has one (a sender staff id). */
  staffId?: string;
  /** Text with the leading @bot mention removed and whitespace trimmed. May be empty. */
  text: string;
  /** True when the bot was @mentioned (always true for group messages of platforms that deliver only those). */
  mentioned: boolean;
  files: InboundFile[];
  /** The platform's msgtype, kept for logs and for "unsupported type" replies. */
  rawType: string;
  /** Milliseconds since epoch, from the platform when known. */
  createdAt: number;
  /** When our transport received it (ms since epoch); the per-chat flood limit counts by this. */
  receivedAt?: number;
  /** Per-chat reply channel data, e.g. a session webhook + expiry. Opaque to the core. */
  reply?: Record<string, unknown>;
  /** Set when the user quote-replied to a message; the core routes by it (docs/im-bridge.md). */
  quoted?: QuotedMessage;
}

export interface ActionButton {
  title: string;
  /** A URL, or a command to send back (the adapter's `commandUrl`). */
  url: string;
}

/** What the core asks a platform to show. The platform encoder maps it to its own message keys. */
export type OutboundContent =
  | { type: "text"; text: string }
  | { type: "markdown"; title: string; text: string }
  | { type: "link"; title: string; text: string; url: string; picUrl?: string }
  | { type: "actionCard"; title: string; text: string; buttons: ActionButton[] }
  | { type: "image"; mediaId: string }
  | { type: "file"; mediaId: string; fileName: string; fileType: string };

export interface ChatTarget {
  chatId: string;
  chatType: ChatType;
  /** Latest opaque reply data seen from this chat (see InboundMessage.reply). */
  reply?: Record<string, unknown>;
}

export interface AdapterStatus {
  connected: boolean;
  connectedSince?: string;
  reconnects: number;
  lastError?: { code: string; message: string; at: string };
  /**
   * Messages the adapter took from the platform (acked, so they are ours to deliver) that the bridge
   * has not handled yet; for an adapter that queues inbound work (a flood waits here, never refused).
   */
  inboundWaiting?: number;
}

export interface DownloadedFile {
  bytes: Buffer;
  name: string;
  mime: string;
}

/** How far a multi-message send got (see `PlatformAdapter.send`). */
export interface SendProgress {
  sent: number;
}

export interface PlatformAdapter {
  readonly platform: string;
  /** Connect and start delivering inbound messages. Rejects with a classified error on bad credentials. */
  start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  /**
   * Send `content`, which the platform may need as several messages. `progress.sent` counts the
   * messages of this content the platform already accepted: the adapter skips those and advances it
   * as each goes out, so a retry after a failure part-way never repeats a part.
   */
  send(target: ChatTarget, content: OutboundContent, progress?: SendProgress): Promise<void>;
  /**
   * Optional: whether `content` goes out as one platform message (not split). Queued text and
   * markdown messages to a chat are merged only while this holds; without it they are never merged.
   */
  fitsOneMessage?(content: OutboundContent): boolean;
  download(file: InboundFile, maxBytes: number): Promise<DownloadedFile>;
  upload(file: { bytes: Buffer; name: string; mime: string }): Promise<{ mediaId: string }>;
  /** Optional processing indicator on a user's message (e.g. an emoji reaction). */
  react?(message: InboundMessage, emoji: string, on: boolean): Promise<void>;
  /**
   * Optional: the URL an ActionCard button uses to send `command` back into the chat. Without it (or
   * when it returns undefined) messages carry no buttons.
   */
  commandUrl?(command: string): string | undefined;
  /**
   * Optional: show `view` as a card that can be updated in place (e.g. an AI card). Rejects
   * when the card path fails (the core then sends the text reply); absent when cards are off.
   */
  openBoard?(target: ChatTarget, view: BoardView): Promise<BoardCard>;
  /** Optional, with `openBoard`: the card `id` an earlier `openBoard` made (maybe before a restart). */
  boardCard?(id: string): BoardCard;
  /**
   * Optional: register a listener for an unrecoverable failure after `start()` (e.g. the inbound
   * connection gave up). The bridge then stops and its supervisor restarts it with backoff.
   */
  onFatal?(listener: (error: Error) => void): void;
  status(): AdapterStatus;
  /** Optional live cards (a platform's updatable cards): a reply stream shown in place (docs/im-bridge.md "Cards"). */
  readonly cards?: CardSurface;
}

/** What a card shows; `text` is the whole body (a full snapshot, never a delta). */
export interface CardView {
  title: string;
  text: string;
  /** `working`: streaming or waiting; the other three end the card. */
  status: "working" | "done" | "interrupted" | "failed";
}

/** A platform's live cards. Every method rejects on failure (the core falls back to messages). */
export interface CardSurface {
  /** Characters one card renders reliably (set by the platform, e.g. about 2,500 CJK characters). */
  readonly maxChars: number;
  /** Create and deliver a card into the chat; resolves to the card's id. */
  create(target: ChatTarget, view: CardView): Promise<string>;
  /** Replace a working card's text; `low`: yields to answers in the platform's call budget. */
  update(cardId: string, view: CardView, low: boolean): Promise<void>;
  /** End the card with `view.status` (done / interrupted / failed) and its final text. */
  finish(cardId: string, view: CardView): Promise<void>;
  /**
   * Best effort: end a card that cannot be finished normally (e.g. streaming not permitted) with a
   * short note, through whatever call still works (e.g. a card-data update).
   */
  abandon(cardId: string, view: CardView): Promise<void>;
  /** The permission a card error says the app lacks (e.g. `Card.Streaming.Write`), if that is the cause. */
  /**
   * How to grant the app the card permissions, per bot language: one sentence the core puts after
   * "Replies come as messages because the app lacks …" (replies/cards.ts).
   */
  readonly permissionHelp: Record<"en" | "zh", string>;
  missingPermission(error: unknown): string | undefined;
  /** The card no longer exists on the platform (expired): stop updating it. */
  gone(error: unknown): boolean;
}

/** A live reply stream of a structured actor (the daemon's `chat.stream`), as the bridge sees it. */
export interface ReplyStreamEvent {
  streamId: string;
  op: "start" | "update" | "end";
  actorId: string;
  /** Everything streamed so far. */
  text: string;
  /** The latest activity line ("reading src/app.ts"). */
  activity: string;
  to: string[];
  replyTo?: string;
  /** At `end`: done, interrupted, failed. */
  state?: string;
  error?: string;
  /** At `end`: the final chat.message, when one was posted. */
  eventId?: string;
}

export interface ActorSummary {
  id: string;
  title: string;
  role: "foreman" | "peer";
  runtime: string;
  status: "running" | "stopped" | "exited" | "crashed";
  unread: number;
  /** Replies stream live (structured runner): its answer gets a card of its own, not a "working" card. */
  streams?: boolean;
  /** A running actor stuck on something a human must do: what and how, plus the last screen lines. */
  attention?: { message: string; screen: string[] };
  /** Whether a running actor is in a turn, where the daemon can tell (structured sessions). */
  turn?: "working" | "idle";
  /** What a working actor is doing now: "reading src/app.ts". */
  activity?: string;
}

/** What a live board card shows (the team board, docs/im-bridge.md). */
export interface BoardView {
  title: string;
  markdown: string;
}

/** A board card in a chat that can be updated in place. */
export interface BoardCard {
  /** The platform's id of the card, kept to update it after a restart (`boardCard`). */
  readonly id: string;
  update(view: BoardView): Promise<void>;
}

/** A pending or decided approval as chats show it (docs/approvals.md). */
export interface ApprovalView {
  approval_id: string;
  actor_id: string;
  tool: string;
  summary: string;
  status: "pending" | "approved" | "denied";
  expires_at: string;
}

/** The approval inbox as the bridge uses it (`/approve`, `/deny`, `/approvals`). */
export interface BridgeApprovals {
  pending(): Promise<ApprovalView[]>;
  /** Throws a CcccError (`approval_not_found`, `approval_decided`) the chat is told. */
  decide(
    id: string,
    input: { decision: "approve" | "deny" | "always"; decided_by: string; chat_id: string; reason?: string },
  ): Promise<ApprovalView>;
  /** Where approvers are listed, as the chat is told: `im.<platform>_approvers`. */
  readonly approversKey: string;
  /** The platform's approvers list, or undefined when not set (then whoever bound the chat decides). */
  approvers(): readonly string[] | undefined;
}

/** The kernel operations the bridge needs. Implemented by the daemon over the real kernel. */
export interface BridgeHost {
  readonly groupId: string;
  /** `groups/<gid>/state/im`: where the bridge keeps its state files. */
  readonly stateDir: string;
  groupInfo(): { title: string; state: string; actors: ActorSummary[] };
  /** Append a user's chat.message; idempotent on `source.message_id`. */
  appendUserMessage(input: {
    text: string;
    to: string[];
    attachments: Attachment[];
    source: MessageSource;
  }): Promise<LedgerEvent>;
  /** Append a system event, typed by kind (src/kernel/event-kinds.ts). */
  appendEvent<K extends LedgerKind>(kind: K, data: LedgerEventData[K]): Promise<LedgerEvent>;
  /** Events with seq > afterSeq, oldest first. */
  readEvents(afterSeq: number, limit: number): Promise<LedgerEvent[]>;
  lastSeq(): number;
  /** Called for every appended event; returns an unsubscribe function. */
  subscribe(listener: (event: LedgerEvent) => void): () => void;
  putBlob(bytes: Buffer, name: string, mime: string): Promise<Attachment>;
  /** Absolute path of a stored attachment. */
  blobPath(attachment: Attachment): string;
  log(line: string): void;
  /** Live reply streams and the snapshots of the running ones (cards); returns an unsubscribe function. */
  subscribeStreams?(listener: (event: ReplyStreamEvent) => void): () => void;
  /** Stops an agent's running turn (`/stop`); false when it had none. */
  interrupt?(actorId: string): Promise<boolean>;
  /** The group's approval inbox; absent: the approval commands say there is none. */
  approvals?: BridgeApprovals;
}

/** Record a system event in the group's ledger (best effort: a failure is logged, not thrown). */
export type RecordEvent = <K extends LedgerKind>(kind: K, data: LedgerEventData[K]) => Promise<void>;
