import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { Attachment } from "../kernel/types.js";
import { errorCode, errorMessage } from "./bridge-errors.js";
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
}

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
      return {
        note: `📎 ${a.name} (${(a.bytes / 1024 / 1024).toFixed(1)} MB) is over the ${limitMb} MB limit and was not sent.`,
      };
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(this.host.blobPath(a));
    } catch (error) {
      return { note: `📎 ${a.name} could not be read (${errorMessage(error)}) and was not sent.` };
    }
    if (bytes.length > this.options.maxBytes) {
      return { note: `📎 ${a.name} is over the ${limitMb} MB limit and was not sent.` };
    }
    try {
      const { mediaId } = await this.adapter.upload({ bytes, name: a.name, mime: a.mime });
      if (a.mime.startsWith("image/")) return { content: { type: "image", mediaId } };
      const fileType = extname(a.name).slice(1).toLowerCase() || "file";
      return { content: { type: "file", mediaId, fileName: a.name, fileType } };
    } catch (error) {
      if (classifyFailure(error) === "retry") throw error;
      return {
        note: `📎 ${a.name} could not be sent (${errorCode(error) ?? "error"}: ${errorMessage(error)}).`,
      };
    }
  }
}

export function filesDisabledNote(count: number): string {
  return `📎 ${count === 1 ? "1 attachment was" : `${count} attachments were`} not sent: file sending is off for this group (im.files.enabled).`;
}
