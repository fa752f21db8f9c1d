/**
 * What the bridge says about approvals (docs/approvals.md), in every `im.language`. Kept apart from
 * `Replies` so the approval texts live in one small file per language.
 */
import type { ApprovalView } from "../types.js";
import { approvalsEn } from "./approvals-en.js";
import { approvalsZh } from "./approvals-zh.js";
import type { Language } from "./index.js";

export interface ApprovalReplies {
  /** The card: its title and markdown body (the summary in a code block, the commands). */
  cardTitle(a: ApprovalView): string;
  card(a: ApprovalView, minutesLeft: number): string;
  buttons: { approve: string; deny: string; always: string };
  /** Posted to every chat when a request is decided (chats without an updatable card for it). */
  decided(a: ApprovalView, d: { decision: string; decided_by: string; via: string; reason?: string }): string;
  /** The card once decided (updated in place): title and markdown, no buttons. */
  decidedTitle(a: ApprovalView, decision: string): string;
  decidedCard(a: ApprovalView, d: DecisionView): string;
  /** Told once per chat when the app lacks a card permission: requests come as messages. */
  cardPermission(scope: string, help: Record<Language, string>): string;
  /** A tap on a button (or a command) for a request someone already decided. */
  alreadyDecided(id: string, d: DecisionView & { status: string }): string;
  list(pending: ApprovalView[]): string;
  /** Told to someone who may not decide; the request stays pending. */
  /** `key`: the group.yaml key listing approvers (`im.<platform>_approvers`). */
  notApprover(id: string, key: string): string;
  done(a: ApprovalView, decision: string): string;
  doneAll(ids: string[]): string;
  noneToApprove: string;
  usage: string;
  unavailable: string;
  failed(message: string): string;
}

/** A decision as a card or a reply shows it; `at` is already formatted ("12-01 14:03"). */
export interface DecisionView {
  decision: string;
  decided_by: string;
  via: string;
  reason?: string;
  handed_over?: boolean;
  at: string;
}

/** Where a decision came from as a chat says it: the bridge's platform by its name, else as recorded. */
export function viaShown(via: string, platform?: { id: string; name: string }): string {
  return platform && via === platform.id ? platform.name : via;
}

/** Local "MM-DD HH:MM" (the daemon's clock, as the team board shows times). */
export function stamp(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}`;
}

export function approvalRepliesFor(language: Language = "en"): ApprovalReplies {
  return language === "zh" ? approvalsZh : approvalsEn;
}

/** The summary as a fenced block (backticks in it cannot end the fence). */
export function fenced(summary: string): string {
  return `\`\`\`\n${summary.replace(/```/g, "ˋˋˋ")}\n\`\`\``;
}
