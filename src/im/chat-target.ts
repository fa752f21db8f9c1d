/**
 * Where the bridge sends something back to a chat, decided in one place: the chat a message came
 * from, or a chat known from the state files (its last route).
 */
import type { BridgeState } from "./state.js";
import type { ChatTarget, ChatType, InboundMessage } from "./types.js";

/** The chat a message came from, with the platform's reply handle when it gave one. */
export function targetOf(message: InboundMessage): ChatTarget {
  const target: ChatTarget = { chatId: message.chatId, chatType: message.chatType };
  if (message.reply) target.reply = message.reply;
  return target;
}

/**
 * A chat known from the state files: its last route (type and reply handle), else `chatType` (by
 * default the authorized chat's type, else direct).
 */
export function chatTargetOf(
  state: BridgeState,
  chatId: string,
  chatType: ChatType = state.authorized(chatId)?.chat_type ?? "direct",
): ChatTarget {
  const route = state.route(chatId);
  const target: ChatTarget = { chatId, chatType: route?.chat_type ?? chatType };
  if (route?.reply) target.reply = route.reply;
  return target;
}
