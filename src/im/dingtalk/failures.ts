/**
 * DingTalk's error codes mapped to the core's platform-neutral `FailureClass` (src/im/platform.ts):
 * the core retries, marks a chat gone, or gives up by the class, never by a DingTalk code.
 * Retry or give up is already on every DingTalk error as the transport kit's `retry`
 * (errors.ts: throttled `after`, server errors and no answer `backoff`), which the core reads
 * directly; this adds only what `retry` cannot say: the chat is gone.
 */
import { errorCode } from "../bridge-errors.js";
import type { FailureClass } from "../platform.js";

const CLASSES: Record<string, FailureClass> = {
  dingtalk_chat_gone: "gone",
};

/** The class of a DingTalk error, or undefined for codes the core's neutral rules decide. */
export function classifyDingTalkError(error: unknown): FailureClass | undefined {
  const code = errorCode(error);
  return code === undefined ? undefined : CLASSES[code];
}

/** The button URL that sends `command` back into the chat (DingTalk's client scheme). */
export function dingTalkCommandUrl(command: string): string {
  return `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(command)}`;
}
