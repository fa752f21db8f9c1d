/**
 * Approval requests as ledger data (docs/approvals.md): `approval.requested` when an agent in `ask`
 * mode wants to run a tool, `approval.decided` when a person (or the timeout, or an "always" rule)
 * answers. Pure: the types, the readable summary of a tool call, and folding events into records.
 */

import type { LedgerEvent } from "./types.js";

export type ApprovalDecision = "approve" | "deny" | "always";

/**
 * Where a decision came from: the Web UI, the CLI, the timeout, an "always" rule, or a chat, named
 * by its IM platform's id (`im.platform`, e.g. the one in src/im/platforms.ts).
 */
export type ApprovalVia = "web" | "cli" | "timeout" | "rule" | (string & {});

export type ApprovalRequestedData = {
  /** Short id people type: `/approve <id>`. */
  approval_id: string;
  actor_id: string;
  tool: string;
  /** One readable line or a few: the command, the file and what changes. */
  summary: string;
  /** The tool's input as the agent gave it (long strings clipped). */
  input: Record<string, unknown>;
  tool_use_id: string;
  /** The actor's process when it asked; a decision after it is gone is handed over as a message. */
  pid?: number;
  expires_at: string;
};

export type ApprovalDecidedData = {
  approval_id: string;
  actor_id: string;
  tool: string;
  decision: ApprovalDecision;
  /** A person's display name and id (`张三 (manager4567)`), `user` (Web UI/CLI) or `system`. */
  decided_by: string;
  via: ApprovalVia;
  /** The chat it was decided in (via an IM platform). */
  chat_id?: string;
  reason?: string;
  /** Set when the agent that asked was gone (restart): the decision went to it as a message. */
  handed_over?: boolean;
};

export interface ApprovalRecord extends ApprovalRequestedData {
  requested_at: string;
  status: "pending" | "approved" | "denied";
  decision?: ApprovalDecidedData & { decided_at: string };
}

/** A record from its `approval.requested` event. */
export function recordOf(event: LedgerEvent): ApprovalRecord {
  const data = event.data as ApprovalRequestedData;
  return { ...data, requested_at: event.ts, status: "pending" };
}

/** Applies an `approval.decided` event to its record. */
export function applyDecision(record: ApprovalRecord, event: LedgerEvent): void {
  const data = event.data as ApprovalDecidedData;
  record.status = data.decision === "deny" ? "denied" : "approved";
  record.decision = { ...data, decided_at: event.ts };
}

/** What the agent is told of a denial: who denied and why (`Denied by 张三 (manager4567) (approval k3x9q2): not on Fridays`). */
export function denialMessage(record: Pick<ApprovalRecord, "approval_id" | "decision">): string {
  const d = record.decision;
  const who = d?.decided_by && d.decided_by !== "system" ? ` by ${d.decided_by}` : "";
  return `Denied${who} (approval ${record.approval_id})${d?.reason ? `: ${d.reason}` : "."}`;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Long string values cut so a ledger line stays small; the summary shows what matters. */
export function clipInput(input: Record<string, unknown>, max = 4000): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) out[k] = typeof v === "string" ? clip(v, max) : v;
  return out;
}

/** What the tool will run or change, for a person deciding on a phone. */
export function summarizeToolCall(tool: string, input: Record<string, unknown>): string {
  const s = (k: string) => (typeof input[k] === "string" ? (input[k] as string) : undefined);
  const path = s("file_path") ?? s("notebook_path") ?? s("path");
  switch (tool) {
    case "Bash":
      return `Run: ${clip(s("command") ?? "", 500)}${s("description") ? `\n(${clip(s("description") ?? "", 200)})` : ""}`;
    case "Write":
      return `Write ${path ?? "a file"} (${(s("content") ?? "").split("\n").length} lines)`;
    case "Edit":
      return `Edit ${path ?? "a file"}: replace "${clip(s("old_string") ?? "", 120)}" with "${clip(s("new_string") ?? "", 120)}"`;
    case "MultiEdit":
      return `Edit ${path ?? "a file"} (${Array.isArray(input.edits) ? input.edits.length : 0} changes)`;
    case "NotebookEdit":
      return `Edit notebook ${path ?? ""}`.trim();
    case "Shell": // Codex (src/runners/structured-codex-approvals.ts)
      return `Run: ${clip(s("command") ?? "", 500)}${s("cwd") ? `\n(in ${clip(s("cwd") ?? "", 200)})` : ""}`;
    case "ApplyPatch":
      return summarizePatch(input);
    case "WebFetch":
      return `Fetch ${clip(s("url") ?? "", 300)}`;
    default:
      return `${tool} ${clip(JSON.stringify(input), 300)}`;
  }
}

/** Codex's file changes: one line naming the files, then the start of the first diff. */
function summarizePatch(input: Record<string, unknown>): string {
  const changes = (Array.isArray(input.changes) ? input.changes : []) as {
    path?: string;
    kind?: string;
    diff?: string;
  }[];
  const more = typeof input.more_files === "number" ? ` and ${input.more_files} more` : "";
  const files = changes.map((c) => `${c.kind ?? "update"} ${c.path ?? "?"}`).join(", ");
  const diff = changes[0]?.diff?.trim();
  return `Change files: ${clip(files || "(none named)", 300)}${more}${diff ? `\n${clip(diff, 500)}` : ""}`;
}
