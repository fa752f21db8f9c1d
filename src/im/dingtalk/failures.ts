/**
 * DingTalk's error codes mapped to the core's platform-neutral `FailureClass` (src/im/platform.ts):
 * the core retries, marks a chat gone, or gives up by the class, never by a DingTalk code.
 */
import { errorCode } from "../bridge-errors.js";
import type { FailureClass } from "../platform.js";

const CLASSES: Record<string, FailureClass> = {
  dingtalk_throttled: "retry",
  // DingTalk's own outage (5xx): the ledger keeps the message, so wait it out.
  dingtalk_server_error: "retry",
  dingtalk_network_error: "retry",
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
