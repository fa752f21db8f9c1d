/**
 * Every text the bridge says in a chat, in one place.
 * Wording is part of the contract; tests assert on it. Each language is one object typed `Replies`,
 * so the compiler refuses a language that misses a text (`im.language` in group.yaml picks one).
 */
import type { Subscription } from "../state.js";
import type { ActorSummary, ChatType } from "../types.js";
import { en } from "./en.js";
import { zh } from "./zh.js";

export const LANGUAGES = ["en", "zh"] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Replies {
  /** The command names, as listed in the unknown-command reply. */
  commandList: string;
  keyIssued(key: string, groupTitle: string, groupId: string): string;
  subscribed(
    groupTitle: string,
    groupId: string,
    chatType: ChatType,
    sub: Subscription,
    already: boolean,
  ): string;
  approved(groupTitle: string, groupId: string, chatType: ChatType): string;
  /** Told to a chat whose waiting key was dropped because too many chats were waiting at once. */
  keyEvicted: string;
  /** Told to a chat whose authorization was revoked from the Web UI or CLI. */
  revoked: string;
  unauthorizedHint: string;
  notSubscribed: string;
  unsubscribed: string;
  pausedReply: string;
  paused: string;
  alreadyPaused: string;
  sendUsage: string;
  verboseUsage: string;
  groupPlainHint: string;
  resumed(heldBack: number): string;
  verbose(on: boolean): string;
  unknownCommand(name: string): string;
  /** /stop: the agent's running turn was stopped, or it had none. */
  stopped(actorId: string, hadTurn: boolean): string;
  /** Markdown (sent with kind "help"): a list, so every platform keeps the line breaks. */
  help(chatType: ChatType): string;
  /** Markdown (sent with kind "status"). `queued`: messages waiting to be sent to this chat. */
  status(
    info: { title: string; state: string; actors: ActorSummary[] },
    groupId: string,
    sub: Subscription | undefined,
    lastError?: { code: string; message: string; at: string },
    queued?: number,
  ): string;
  /** The team board: a live /status card (docs/im-bridge.md "Team board"). */
  board: {
    title(groupTitle: string): string;
    /** Footer while the card updates itself; `until` is a local "HH:MM". */
    live(until: string): string;
    /** Footer once it stopped updating. */
    ended(at: string): string;
  };
  unknownRecipient(token: string, actors: ActorSummary[]): string;
  noAgents: string;
  noPeers: string;
  noForeman: string;
  sendFailed(message: string): string;
  fileTooLarge(name: string, maxMb: number): string;
  fileFailed(name: string, why: string): string;
  filesDisabled: string;
  /** One per chat and window when messages were refused (inbound rate limit or full queue). */
  slowDown(count: number, limit: number, seconds: number): string;
  unsupportedType(rawType: string): string;
  emptyMessage(chatType: ChatType): string;
  textCut(bytes: number, keptBytes: number): string;
  /** Notes under an agent's message when one of its attachments did not go out. */
  attachmentUnreadable(name: string, why: string): string;
  /** `size` is the file's size ("2.5 MB") when known before reading it. */
  attachmentOverLimit(name: string, limitMb: number, size?: string): string;
  attachmentNotSent(name: string, code: string, message: string): string;
  attachmentsDisabled(count: number): string;
  /** ActionCard button titles (the commands they send stay English). */
  buttons: {
    status: string;
    refresh: string;
    pause: string;
    resume: string;
    verbose: string;
    verboseOn: string;
    verboseOff: string;
    stop: string;
  };
}

const BY_LANGUAGE: Record<Language, Replies> = { en, zh };

export function repliesFor(language: Language = "en"): Replies {
  return BY_LANGUAGE[language];
}
