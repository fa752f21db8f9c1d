/**
 * Codex's approval requests in permission mode `ask` (docs/approvals.md): what `codex app-server`
 * asks (`item/commandExecution/requestApproval`, `item/fileChange/requestApproval`, and the older
 * `execCommandApproval` / `applyPatchApproval`) as a tool call for CCCC's approval inbox, and the
 * decision as Codex's answer. Pure.
 */

import {
  type Json,
  obj,
  str,
  type ToolApprovalAnswer,
  type ToolApprovalRequest,
} from "./structured-protocol.js";

/** The inbox's tool names for Codex's two kinds of request (summaries: src/kernel/approval.ts). */
export const CODEX_SHELL_TOOL = "Shell";
export const CODEX_PATCH_TOOL = "ApplyPatch";

/** At most this many files, each diff clipped, go into a patch's approval input. */
const MAX_FILES = 20;
const MAX_DIFF = 2000;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export const CODEX_APPROVAL_METHODS = new Set([
  "item/commandExecution/requestApproval",
  "item/fileChange/requestApproval",
  "execCommandApproval",
  "applyPatchApproval",
]);

/**
 * The tool call behind an approval request. `changes` are the files of the fileChange items Codex
 * announced (`item/started`), by item id: the v2 request itself names only the item.
 */
export function codexApprovalRequest(
  method: string,
  params: Json,
  changes: ReadonlyMap<string, unknown[]>,
): ToolApprovalRequest | undefined {
  const callId = [str(params.turnId), str(params.itemId) ?? str(params.callId), str(params.approvalId)]
    .filter((p) => p)
    .join(":");
  switch (method) {
    case "item/commandExecution/requestApproval": {
      const input: Json = { command: unwrapShell(str(params.command) ?? ""), cwd: str(params.cwd) ?? "" };
      if (params.kind && params.kind !== "command") input.kind = params.kind;
      return { tool: CODEX_SHELL_TOOL, input, toolUseId: callId };
    }
    case "execCommandApproval": {
      const argv = Array.isArray(params.command) ? params.command.map(String) : [];
      return {
        tool: CODEX_SHELL_TOOL,
        input: { command: unwrapShell(argv.map(quote).join(" ")), cwd: str(params.cwd) ?? "" },
        toolUseId: callId,
      };
    }
    case "item/fileChange/requestApproval": {
      const files = (changes.get(str(params.itemId) ?? "") ?? []).map((c) => {
        const o = obj(c) ?? {};
        return { path: str(o.path) ?? "", kind: str(obj(o.kind)?.type) ?? "update", diff: str(o.diff) ?? "" };
      });
      return { tool: CODEX_PATCH_TOOL, input: patchInput(files), toolUseId: callId };
    }
    case "applyPatchApproval": {
      const files = Object.entries(obj(params.fileChanges) ?? {}).map(([path, c]) => {
        const o = obj(c) ?? {};
        return { path, kind: str(o.type) ?? "update", diff: str(o.unified_diff) ?? str(o.content) ?? "" };
      });
      return { tool: CODEX_PATCH_TOOL, input: patchInput(files), toolUseId: callId };
    }
    default:
      return undefined;
  }
}

function patchInput(files: { path: string; kind: string; diff: string }[]): Json {
  const shown = files.slice(0, MAX_FILES).map((f) => ({ ...f, diff: clip(f.diff, MAX_DIFF) }));
  return files.length > MAX_FILES
    ? { changes: shown, more_files: files.length - MAX_FILES }
    : { changes: shown };
}

/** A shell word as a person would type it (for the summary of an argv). */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `/bin/bash -lc 'touch x.txt'` (how Codex runs what the model asked for) → `touch x.txt`. */
export function unwrapShell(command: string): string {
  const m = /^(?:\S*\/)?(?:ba|z)?sh -l?c '((?:[^']|'\\'')*)'$/.exec(command);
  return m?.[1] !== undefined ? m[1].replace(/'\\''/g, "'") : command;
}

/**
 * Codex's answer. "Always for this session" is Codex's own session-scoped approval (`acceptForSession`:
 * Codex stops asking for that command or those files until the thread ends). The v2 answer carries
 * no reason; the older requests pass a denial's message to the model.
 */
export function codexApprovalResult(method: string, params: Json, answer: ToolApprovalAnswer): Json {
  const legacy = method === "execCommandApproval" || method === "applyPatchApproval";
  // A command request lists what it takes; without "acceptForSession" there, "always" is a plain
  // accept and CCCC's own rule approves the later calls (docs/approvals.md).
  const offered = Array.isArray(params.availableDecisions) ? params.availableDecisions : undefined;
  const forSession = !offered || offered.includes("acceptForSession");
  switch (answer.decision) {
    case "approve":
      return { decision: legacy ? "approved" : "accept" };
    case "always":
      if (legacy) return { decision: "approved_for_session" };
      return { decision: forSession ? "acceptForSession" : "accept" };
    default:
      return { decision: legacy ? { denied: { rejection: answer.message } } : "decline" };
  }
}
