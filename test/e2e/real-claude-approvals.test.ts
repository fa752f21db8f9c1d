/**
 * The real Claude Code CLI (pinned) as a structured actor in permission mode `ask`, between the fake
 * DingTalk and the fake model (which asks for a Bash tool use that creates a file): the request
 * reaches the DingTalk chat as an AI card (updated in place with the decision); a non-approver is
 * refused; Approve from the person who bound the chat runs the command and the reply arrives; Deny
 * blocks it and the agent says so; a timeout denies; a daemon restart while pending keeps the request
 * (and its card is updated after it) and the agent is not left hanging; every decision is in the
 * ledger with who and where.
 */

import { describe, expect, it } from "vitest";
import { approvalFlows, approvalWorld, askingLeadArgv } from "../support/approval-e2e.js";

const w = approvalWorld("claude");

describe("real Claude Code asking for approval", () => {
  it("runs without bypass and with CCCC's prompt tool", async () => {
    const argv = await askingLeadArgv(w, "claude");
    expect(argv).toContain("--permission-prompt-tool");
    expect(argv[argv.indexOf("--permission-prompt-tool") + 1]).toBe("mcp__cccc__cccc_approval_prompt");
    expect(argv).not.toContain("--dangerously-skip-permissions");
  });

  approvalFlows({
    ...w,
    tool: "Bash",
    denied: /could not run touch denied\.txt: [\s\S]*not on Fridays/,
    timedOut: /could not run touch late\.txt: [\s\S]*approval_timeout/,
  });
});
