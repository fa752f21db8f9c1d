/**
 * The real Codex CLI (pinned) as a structured actor (`codex app-server`) in permission mode `ask`,
 * between the fake DingTalk and the fake model (which asks for a shell command through Codex's
 * `exec_command` tool that creates a file): Codex's approval request reaches the DingTalk chat as a
 * card; a non-approver is refused; Approve from the person who bound the chat runs the command and
 * the reply arrives; Deny blocks it and the agent says so; a timeout denies; a daemon restart while
 * pending keeps the request and the agent is not left hanging; every decision is in the ledger with
 * who and where. The same flows as test/e2e/real-claude-approvals.test.ts.
 */

import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalRequestedData } from "../../src/kernel/approval.js";
import { codexEnv, codexHome, ensureAgentCli } from "../support/agent-clis.js";
import { approvalFlows, expectApprovalCard, requestFor } from "../support/approval-e2e.js";
import { type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";

let bin: string;
let r: RealAgentWorld;
let home = "";

/** The card for `file`'s request: its approval id, from the ledger and the chat. */
async function cardFor(file: string): Promise<string> {
  const requested = await requestFor(r, file);
  const data = requested.data as ApprovalRequestedData;
  expect(requested.by).toBe("lead");
  expect(data).toMatchObject({
    actor_id: "lead",
    tool: "Shell",
    summary: expect.stringMatching(/^Run: touch /),
    input: { command: `touch ${file}`, cwd: r.home.project },
  });
  await expectApprovalCard(r, data.approval_id, "Shell", file);
  return data.approval_id;
}

beforeAll(async () => {
  bin = ensureAgentCli("codex");
  r = await startRealAgentWorld(
    "codex",
    (url) => {
      const h = codexHome(url);
      return { home: h, env: codexEnv(bin, h) };
    },
    {
      actorArgs: ["--permissions", "ask"],
      model: {
        script: {
          answer: "text",
          reply: (m) => `pong: ${m.text}`,
          // "run X" asks to create X (exec_command); a handed-over approval ("… (Run: touch X) was approved …") retries it.
          bash: (m) => {
            const file =
              /^run ([\w.-]+)$/.exec(m.text)?.[1] ??
              (/was approved/.test(m.text) ? /touch ([\w.-]+)/.exec(m.text)?.[1] : undefined);
            return file ? `touch ${file}` : undefined;
          },
        },
      },
    },
  );
  home = r.world.t.home.root;
}, 15 * 60_000);
afterAll(async () => {
  await r?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("real Codex asking for approval (codex app-server)", () => {
  it("runs as a structured app-server session in permission mode ask", async () => {
    expect(await r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+codex\s+structured\s+running/);
    const group = r.world.t.daemon.ctx.kernel.group(r.world.gid);
    expect(group.actor("lead").permissions).toBe("ask");
    const pid = r.world.t.daemon.ctx.actors.status(group, "lead").pid;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    expect(argv).toContain("app-server");
    expect(argv).not.toContain("--dangerously-bypass-approvals-and-sandbox");
  });

  approvalFlows({
    world: () => r,
    home: () => home,
    cardFor,
    // Codex's decline carries no reason (docs/approvals.md): the model is told the user rejected it.
    denied: /could not run touch denied\.txt: [\s\S]*rejected by user/,
    timedOut: /could not run touch late\.txt: [\s\S]*rejected by user/,
  });
});
