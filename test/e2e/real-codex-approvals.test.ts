/**
 * The real Codex CLI (pinned) as a structured actor (`codex app-server`) in permission mode `ask`,
 * between the fake DingTalk and the fake model (which asks for a shell command through Codex's
 * `exec_command` tool that creates a file): Codex's approval request reaches the DingTalk chat as a
 * card; a non-approver is refused; Approve from the person who bound the chat runs the command and
 * the reply arrives; Deny blocks it and the agent says so; a timeout denies; a daemon restart while
 * pending keeps the request and the agent is not left hanging; every decision is in the ledger with
 * who and where. The same flows as test/e2e/real-claude-approvals.test.ts.
 */

import { describe, expect, it } from "vitest";
import { approvalFlows, approvalWorld, askingLeadArgv } from "../support/approval-e2e.js";

const w = approvalWorld("codex");

describe("real Codex asking for approval (codex app-server)", () => {
  it("runs as a structured app-server session in permission mode ask", async () => {
    const argv = await askingLeadArgv(w, "codex");
    expect(argv).toContain("app-server");
    expect(argv).not.toContain("--dangerously-bypass-approvals-and-sandbox");
  });

  approvalFlows({
    ...w,
    tool: "Shell",
    input: (file, r) => ({ command: `touch ${file}`, cwd: r.home.project }),
    // Codex's decline carries no reason (docs/approvals.md): the model is told the user rejected it.
    denied: /could not run touch denied\.txt: [\s\S]*rejected by user/,
    timedOut: /could not run touch late\.txt: [\s\S]*rejected by user/,
  });
});
