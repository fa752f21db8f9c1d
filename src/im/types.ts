/**
 * Platform-neutral IM types. The bridge core (src/im/*.ts) talks to a chat platform only through
 * `PlatformAdapter`; each platform is one folder (src/im/<platform>/) that implements it.
 * The core talks to the kernel only through `BridgeHost`, which the daemon implements.
 */
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
}

export interface DownloadedFile {
  bytes: Buffer;
  name: string;
  mime: string;
}

export interface PlatformAdapter {
  readonly platform: string;
  /** Connect and start delivering inbound messages. Rejects with a classified error on bad credentials. */
  start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  send(target: ChatTarget, content: OutboundContent): Promise<void>;
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
   * Optional: register a listener for an unrecoverable failure after `start()` (e.g. the inbound
   * connection gave up). The bridge then stops and its supervisor restarts it with backoff.
   */
  onFatal?(listener: (error: Error) => void): void;
  status(): AdapterStatus;
}

export interface ActorSummary {
  id: string;
  title: string;
  role: "foreman" | "peer";
  runtime: string;
  status: "running" | "stopped" | "exited" | "crashed";
  unread: number;
  /** A running actor stuck on something a human must do: what and how, plus the last screen lines. */
  attention?: { message: string; screen: string[] };
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
  appendEvent(kind: string, data: Record<string, unknown>): Promise<LedgerEvent>;
  /** Events with seq > afterSeq, oldest first. */
  readEvents(afterSeq: number, limit: number): Promise<LedgerEvent[]>;
  lastSeq(): number;
  /** Called for every appended event; returns an unsubscribe function. */
  subscribe(listener: (event: LedgerEvent) => void): () => void;
  putBlob(bytes: Buffer, name: string, mime: string): Promise<Attachment>;
  /** Absolute path of a stored attachment. */
  blobPath(attachment: Attachment): string;
  log(line: string): void;
  /** Stops an agent's running turn (`/stop`); false when it had none. */
  interrupt?(actorId: string): Promise<boolean>;
}
