/**
 * What the bridge itself says in chats, beside the agents' messages: command replies, out-of-band
 * notes (bind, revoke, card hints) and the /status board. Replies and notes go through the chat's
 * send queue (outbound.ts `reply`), so they keep their order with agent messages and are retried.
 */
import { type LiveBoards, statusBoardSource } from "./board.js";
import { chatTargetOf, targetOf } from "./chat-target.js";
import type { OutboundFollower } from "./outbound.js";
import type { ChooseContent } from "./outbound-deps.js";
import type { Replies } from "./replies/index.js";
import type { BridgeState } from "./state.js";
import type { ActionButton, BridgeHost, InboundMessage, PlatformAdapter } from "./types.js";

/** A help or status reply carries its kind (for the platform's layout) and its command buttons. */
export interface ReplyExtra {
  kind: "help" | "status";
  buttons: ActionButton[];
}

export interface BridgeChatDeps {
  host: BridgeHost;
  adapter: PlatformAdapter;
  state: BridgeState;
  replies: Replies;
  chooseContent: ChooseContent;
  boards: LiveBoards;
  /** False when the /status board is off (`im.cards` off). */
  boardsOn: boolean;
  /** The running follower (a new one per start). */
  outbound(): OutboundFollower;
  running(): boolean;
}

export class BridgeChat {
  constructor(private readonly d: BridgeChatDeps) {}

  /** Answer a chat message (a command's reply). */
  async reply(message: InboundMessage, text: string, extra?: ReplyExtra): Promise<void> {
    await this.d.outbound().reply(targetOf(message), this.content(text, extra));
  }

  /** Out-of-band message to a chat (bind, revoke): through its queue when running, else skipped. */
  async tell(chatId: string, text: string): Promise<void> {
    if (!this.d.running()) {
      this.d.host.log(`[bridge] not running: chat ${chatId} was not told: ${text.split("\n")[0]}`);
      return;
    }
    await this.d.outbound().reply(chatTargetOf(this.d.state, chatId), this.content(text));
  }

  /** /status as a live board card, when the platform has cards and they are on. */
  async openBoard(
    message: InboundMessage,
    render: () => { text: string; buttons: ActionButton[] },
  ): Promise<boolean> {
    const { adapter, boards, host, replies } = this.d;
    const open = adapter.openBoard?.bind(adapter);
    if (!open || !this.d.boardsOn) return false;
    const target = targetOf(message);
    const source = statusBoardSource(replies, () => host.groupInfo().title, render);
    return boards.open(message.chatId, (view) => open(target, view), source);
  }

  private content(text: string, extra?: ReplyExtra) {
    return this.d.chooseContent({
      text,
      title: "",
      ...(extra ? { kind: extra.kind, buttons: extra.buttons } : {}),
    });
  }
}
