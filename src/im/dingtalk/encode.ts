/**
 * Pure encoders from `OutboundContent` to DingTalk payloads: robot OpenAPI `msgKey`/`msgParam`
 * and sessionWebhook bodies. Long texts are split losslessly
 * (./split.ts) so every `msgParam` stays within CHUNK_MAX_BYTES (< the documented 15 000) and every
 * body within CHUNK_MAX_UNITS characters. Markdown goes through ./markdown.ts first.
 * Rules and their reasons: docs/dingtalk-format.md.
 */
import { PREVIEW_MAX, summarize, truncate } from "../format.js";
import type { ActionButton, OutboundContent } from "../types.js";
import { toDingTalkMarkdown } from "./markdown.js";
import { jsonBytes, splitForDisplay } from "./split.js";

/** Documented `msgParam` limit of the robot send APIs. */
export const MSGPARAM_MAX_BYTES = 15_000;
/** What we aim for per message, leaving headroom. */
export const CHUNK_MAX_BYTES = 12_000;
/** Max characters (UTF-16 units) per message body; DingTalk degrades markdown above ~3 500. */
export const CHUNK_MAX_UNITS = 3_500;
/** sampleActionCard2…5 carry at most five buttons; the rest become links in the text. */
export const MAX_BUTTONS = 5;

export interface OpenApiMessage {
  msgKey: string;
  msgParam: string;
}

/** One DingTalk message before it is shaped for a particular send path. */
type Planned =
  | { kind: "text"; text: string }
  | { kind: "markdown"; title: string; text: string }
  | { kind: "link"; title: string; text: string; url: string; picUrl?: string }
  | { kind: "actionCard"; title: string; text: string; buttons: ActionButton[] }
  | { kind: "image"; mediaId: string }
  | { kind: "file"; mediaId: string; fileName: string; fileType: string };

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

/** Two short buttons sit side by side (sampleActionCard6 / btnOrientation "1"); others stack. */
function horizontal(buttons: ActionButton[]): boolean {
  return buttons.length === 2 && buttons.every((b) => Array.from(b.title).length <= 8);
}

function openApi(p: Planned): OpenApiMessage {
  const param = (msgKey: string, value: Record<string, string>) => ({
    msgKey,
    msgParam: JSON.stringify(value),
  });
  switch (p.kind) {
    case "text":
      return param("sampleText", { content: p.text });
    case "markdown":
      return param("sampleMarkdown", { title: p.title, text: p.text });
    case "link":
      return param("sampleLink", { title: p.title, text: p.text, messageUrl: p.url, picUrl: p.picUrl ?? "" });
    case "image":
      // The raw media_id is the photoURL.
      return param("sampleImageMsg", { photoURL: p.mediaId });
    case "file":
      return param("sampleFile", { mediaId: p.mediaId, fileName: p.fileName, fileType: p.fileType });
    case "actionCard": {
      const [first, second] = p.buttons;
      if (p.buttons.length === 1 && first) {
        return param("sampleActionCard", {
          title: p.title,
          text: p.text,
          singleTitle: first.title,
          singleURL: first.url,
        });
      }
      if (horizontal(p.buttons) && first && second) {
        return param("sampleActionCard6", {
          title: p.title,
          text: p.text,
          buttonTitle1: first.title,
          buttonUrl1: first.url,
          buttonTitle2: second.title,
          buttonUrl2: second.url,
        });
      }
      // There is no sampleActionCard1; 2…5 number their fields from 1.
      const value: Record<string, string> = { title: p.title, text: p.text };
      p.buttons.forEach((b, i) => {
        value[`actionTitle${i + 1}`] = b.title;
        value[`actionURL${i + 1}`] = b.url;
      });
      return param(`sampleActionCard${p.buttons.length}`, value);
    }
  }
}

function webhook(p: Planned): Record<string, unknown> | undefined {
  switch (p.kind) {
    case "text":
      return { msgtype: "text", text: { content: p.text } };
    case "markdown":
      return { msgtype: "markdown", markdown: { title: p.title, text: p.text } };
    case "link": {
      const link: Record<string, string> = { title: p.title, text: p.text, messageUrl: p.url };
      if (p.picUrl) link.picUrl = p.picUrl;
      return { msgtype: "link", link };
    }
    case "image":
      // Webhooks carry no image msgtype; a media_id works as a markdown image URL.
      return { msgtype: "markdown", markdown: { title: "[image]", text: `![image](${p.mediaId})` } };
    case "file":
      return undefined; // not supported by sessionWebhook: use the OpenAPI
    case "actionCard": {
      const [first] = p.buttons;
      const orientation = horizontal(p.buttons) ? "1" : "0";
      const card: Record<string, unknown> = { title: p.title, text: p.text, btnOrientation: orientation };
      if (p.buttons.length === 1 && first) {
        card.singleTitle = first.title;
        card.singleURL = first.url;
      } else {
        card.btns = p.buttons.map((b) => ({ title: b.title, actionURL: b.url }));
      }
      return { msgtype: "actionCard", actionCard: card };
    }
  }
}

/** Bytes a planned message costs with an empty body, on the costlier of the two send paths. */
function overhead(p: Planned): number {
  const a = utf8(openApi(p).msgParam);
  const w = webhook(p);
  return Math.max(a, w ? utf8(JSON.stringify(w)) : 0);
}

function split(text: string, emptyCost: number, markdown: boolean): string[] {
  const maxBytes = CHUNK_MAX_BYTES - emptyCost;
  if (maxBytes < 1_000)
    throw new RangeError("message fields other than the text exceed DingTalk's size limit");
  return splitForDisplay(text, {
    maxUnits: CHUNK_MAX_UNITS,
    maxBytes,
    fences: markdown,
    numberSeparator: markdown ? "\n\n" : "\n",
  });
}

function numberedTitle(title: string, i: number, n: number): string {
  return n > 1 ? `${title} (${i + 1}/${n})` : title;
}

function markdownTitle(title: string, text: string): string {
  return truncate(title.trim() || summarize(text) || "CCCC", PREVIEW_MAX);
}

const NUMBERED_TITLE_RESERVE = " (9999/9999)";

function planMarkdown(title: string, text: string, buttons: ActionButton[]): Planned[] {
  const extra = buttons.slice(MAX_BUTTONS).map((b) => `- [${b.title}](${b.url})`);
  const body = toDingTalkMarkdown(extra.length > 0 ? `${text}\n\n${extra.join("\n")}` : text);
  const shown = buttons.slice(0, MAX_BUTTONS);
  const t = markdownTitle(title, body);
  const reserveTitle = t + NUMBERED_TITLE_RESERVE;
  const emptyCost = Math.max(
    overhead({ kind: "markdown", title: reserveTitle, text: "" }),
    shown.length > 0 ? overhead({ kind: "actionCard", title: reserveTitle, text: "", buttons: shown }) : 0,
  );
  const chunks = split(body, emptyCost, true);
  return chunks.map((chunk, i): Planned => {
    const numbered = numberedTitle(t, i, chunks.length);
    // Buttons go on the last chunk, after the whole text has been read.
    return i === chunks.length - 1 && shown.length > 0
      ? { kind: "actionCard", title: numbered, text: chunk, buttons: shown }
      : { kind: "markdown", title: numbered, text: chunk };
  });
}

function fileTypeOf(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : "file";
}

function plan(content: OutboundContent): Planned[] {
  switch (content.type) {
    case "text": {
      if (content.text.trim() === "") return [];
      const chunks = split(content.text, overhead({ kind: "text", text: "" }), false);
      return chunks.map((text) => ({ kind: "text", text }));
    }
    case "markdown":
      if (content.text.trim() === "") return [];
      return planMarkdown(content.title, content.text, []);
    case "actionCard":
      if (content.buttons.length === 0) return planMarkdown(content.title, content.text, []);
      return planMarkdown(content.title, content.text, content.buttons);
    case "link": {
      const link: Planned = {
        kind: "link",
        title: content.title.trim() || content.url,
        text: content.text.trim() || content.url,
        url: content.url,
      };
      if (content.picUrl) link.picUrl = content.picUrl;
      const fits =
        link.text.length + link.title.length <= CHUNK_MAX_UNITS &&
        overhead({ ...link, text: "" }) + jsonBytes(link.text) <= CHUNK_MAX_BYTES;
      // Too long for a link card: send it as markdown with the link on top.
      return fits ? [link] : planMarkdown(link.title, `[${link.title}](${link.url})\n\n${link.text}`, []);
    }
    case "image":
      return [{ kind: "image", mediaId: content.mediaId }];
    case "file":
      return [
        {
          kind: "file",
          mediaId: content.mediaId,
          fileName: content.fileName,
          fileType: content.fileType.trim() || fileTypeOf(content.fileName),
        },
      ];
  }
}

/** Robot OpenAPI messages (group send / one-to-one batchSend), in send order. Empty text → []. */
export function encodeForOpenApi(content: OutboundContent): OpenApiMessage[] {
  return plan(content).map(openApi);
}

/**
 * sessionWebhook bodies, in send order. Returns [] when the content cannot go through a webhook
 * (a file) — check `webhookSupports` and use the OpenAPI instead — or the text is empty.
 */
export function encodeForWebhook(content: OutboundContent): Record<string, unknown>[] {
  return plan(content)
    .map(webhook)
    .filter((w): w is Record<string, unknown> => w !== undefined);
}

/** False for content a sessionWebhook cannot carry (files). */
export function webhookSupports(content: OutboundContent): boolean {
  return content.type !== "file";
}
