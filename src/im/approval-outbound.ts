/**
 * Approval events as chats see them (docs/approvals.md): `approval.requested` → a card with the
 * summary and Approve / Deny / Always buttons (buttons in direct chats only: in a group a platform may
 * deliver only messages that @mention the bot, which a button cannot); `approval.decided` → a short
 * message saying who decided, from where. Both go to every subscribed chat. Pure. Where the chat has
 * updatable cards (cards/approval-cards.ts), `approval` lets the request be a card the decision
 * updates in place instead.
 */

import type { ApprovalDecidedData, ApprovalRequestedData } from "../kernel/approval.js";
import type { LedgerEvent } from "../kernel/types.js";
import type { ApprovalReplies } from "./replies/approvals.js";
import type { OutboundItem } from "./routing.js";

export function approvalItem(event: LedgerEvent, t: ApprovalReplies, now: number): OutboundItem | undefined {
  if (event.kind !== "approval.requested" && event.kind !== "approval.decided") return undefined;
  const base = {
    seq: event.seq,
    eventId: event.id,
    by: event.by,
    audience: "user" as const,
    attachments: [],
  };
  if (event.kind === "approval.requested") {
    const a = { ...(event.data as ApprovalRequestedData), status: "pending" as const };
    const left = Math.max(1, Math.round((Date.parse(a.expires_at) - now) / 60_000));
    return {
      ...base,
      title: t.cardTitle(a),
      text: t.card(a, left),
      buttons: [
        [t.buttons.approve, `/approve ${a.approval_id}`],
        [t.buttons.deny, `/deny ${a.approval_id}`],
        [t.buttons.always, `/approve ${a.approval_id} always`],
      ],
      approval: { view: a },
    };
  }
  if (event.kind === "approval.decided") {
    const d = event.data as ApprovalDecidedData;
    // A rule's automatic answer is in the ledger; the chats did not see a card for it.
    if (d.via === "rule") return undefined;
    const view = {
      approval_id: d.approval_id,
      actor_id: d.actor_id,
      tool: d.tool,
      summary: d.tool,
      status: d.decision === "deny" ? ("denied" as const) : ("approved" as const),
      expires_at: "",
    };
    return {
      ...base,
      title: "CCCC",
      text: t.decided(view, d),
      approval: { view, decided: { ...d, at: event.ts } },
    };
  }
  return undefined;
}
