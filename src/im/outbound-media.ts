import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { Attachment } from "../kernel/types.js";
import { errorCode, errorMessage } from "./bridge-errors.js";
import type { Replies } from "./replies/index.js";
import { classifyFailure } from "./send-queue.js";
import type { BridgeHost, OutboundContent, PlatformAdapter } from "./types.js";

export interface MediaResult {
  content?: OutboundContent;
  /** Shown under the message text when the file could not be sent. */
  note?: string;
}

export interface MediaOptions {
  enabled: boolean;
  maxBytes: number;
  /** The notes' language (`im.language`). */
  replies: Replies;
}

/** The event the attachments belong to: its sender is told when a file cannot go out. */
export interface MediaEvent {
  by: string;
  seq: number;
  eventId: string;
  isActor: boolean;
}

const mbOf = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Uploads an event's attachments once, shared by every target chat. A retryable upload failure
 * rejects (the chat queue retries the step, and the next call uploads again); anything else
 * becomes a note in the text so the reader knows a file is missing.
 */
export class EventMedia {
  private cache = new Map<string, Promise<MediaResult>>();

  constructor(
    private readonly host: BridgeHost,
    private readonly adapter: PlatformAdapter,
    private readonly options: MediaOptions,
    private readonly event?: MediaEvent,
  ) {}

  get(attachment: Attachment): Promise<MediaResult> {
    let result = this.cache.get(attachment.path);
    if (!result) {
      result = this.prepare(attachment);
      this.cache.set(attachment.path, result);
      result.catch(() => this.cache.delete(attachment.path));
    }
    return result;
  }

  private async prepare(a: Attachment): Promise<MediaResult> {
    const limitMb = Math.round((this.options.maxBytes / 1024 / 1024) * 10) / 10;
    if (a.bytes > this.options.maxBytes) {
      await this.tellSender(a, a.bytes, `${limitMb} MB`);
      return { note: this.options.replies.attachmentOverLimit(a.name, limitMb, mbOf(a.bytes)) };
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(this.host.blobPath(a));
    } catch (error) {
      return { note: this.options.replies.attachmentUnreadable(a.name, errorMessage(error)) };
    }
    if (bytes.length > this.options.maxBytes) {
      await this.tellSender(a, bytes.length, `${limitMb} MB`);
      return { note: this.options.replies.attachmentOverLimit(a.name, limitMb) };
    }
    try {
      const { mediaId } = await this.adapter.upload({ bytes, name: a.name, mime: a.mime });
      if (a.mime.startsWith("image/")) return { content: { type: "image", mediaId } };
      const fileType = extname(a.name).slice(1).toLowerCase() || "file";
      return { content: { type: "file", mediaId, fileName: a.name, fileType } };
    } catch (error) {
      if (classifyFailure(error) === "retry") throw error;
      if ((errorCode(error) ?? "").endsWith("too_large")) {
        await this.tellSender(a, bytes.length, "the chat platform's limit");
      }
      return {
        note: this.options.replies.attachmentNotSent(
          a.name,
          errorCode(error) ?? "error",
          errorMessage(error),
        ),
      };
    }
  }

  /**
   * The chat only got a note; tell the agent that attached the file too, or it believes the user
   * has it. Internal (never forwarded to IM), targeted at the sender. Once per event and file.
   */
  private async tellSender(a: Attachment, bytes: number, limit: string): Promise<void> {
    const ev = this.event;
    if (!ev?.isActor) return;
    await this.host
      .appendEvent("system.notify", {
        kind: "im_file_too_large",
        priority: "normal",
        title: `File not delivered to IM: ${a.name}`,
        message:
          `Your file "${a.name}" (${mbOf(bytes)}, ${bytes} bytes) from message #${ev.seq} is over ${limit} ` +
          "for IM chats, so the chat only got a note that it was not sent. To get it to the user: " +
          "compress it or split it into smaller parts and send those, or send a shorter summary as text; " +
          "the full file stays available in the CCCC Web UI. The group's limit is im.files.max_mb.",
        target_actor_id: ev.by,
        to: [ev.by],
        event_id: ev.eventId,
        file: { name: a.name, bytes, path: a.path },
        im_visibility: "internal",
      })
      .catch((e: unknown) =>
        this.host.log(`[outbound] cannot tell ${ev.by} about ${a.name}: ${errorMessage(e)}`),
      );
  }
}
