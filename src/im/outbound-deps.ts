import type { ApprovalCards } from "./cards/approval-cards.js";
import type { CardStreams } from "./cards/card-streams.js";
import type { ProcessingIndicators } from "./indicator.js";
import type { ApprovalReplies } from "./replies/approvals.js";
import type { Replies } from "./replies/index.js";
import type { RetryPolicy } from "./send-queue.js";
import type { BridgeState } from "./state.js";
import type { ActionButton, BridgeHost, OutboundContent, PlatformAdapter } from "./types.js";

/** The signature of `chooseContent` in src/im/format.ts. */
export type ChooseContent = (input: {
  text: string;
  title: string;
  kind?: "help" | "status";
  buttons?: ActionButton[];
}) => OutboundContent;

export interface OutboundDeps {
  host: BridgeHost;
  adapter: PlatformAdapter;
  state: BridgeState;
  chooseContent: ChooseContent;
  files: { enabled: boolean; maxBytes: number };
  /** The chat texts (attachment notes) in the group's `im.language`. */
  replies: Replies;
  approvalReplies: ApprovalReplies;
  /** The URL a button uses to send a command back, or undefined where the platform cannot. */
  commandUrl(command: string): string | undefined;
  retry: RetryPolicy;
  indicators: ProcessingIndicators;
  now(): number;
  log(line: string): void;
  /** The follower failed in a way it cannot recover from (e.g. the ledger cannot be read). */
  onFatal(error: unknown): void;
  /** Min time between two "delivery failed" system notices for the same chat. */
  noticeIntervalMs?: number;
  cursorFlushMs?: number;
  /** Live reply cards (docs/im-bridge.md "Cards"), when the platform has them and `im.cards` is on. */
  cards?: () => CardStreams | undefined;
  /** Approval requests as cards their decision updates (cards/approval-cards.ts), when cards are on. */
  approvalCards?: () => ApprovalCards | undefined;
}
