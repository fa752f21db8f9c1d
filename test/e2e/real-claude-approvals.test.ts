/**
 * The real Claude Code CLI (pinned) as a structured actor in permission mode `ask`, between the fake
 * DingTalk and the fake model (which asks for a Bash tool use that creates a file): the request
 * reaches the DingTalk chat as an AI card (updated in place with the decision); a non-approver is
 * refused; Approve from the person who bound the chat runs the command and the reply arrives; Deny
 * blocks it and the agent says so; a timeout denies; a daemon restart while pending keeps the request
 * (and its card is updated after it) and the agent is not left hanging; every decision is in the
 * ledger with who and where.
 */

import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalRequestedData } from "../../src/kernel/approval.js";
import { claudeEnv, claudeHome, ensureAgentCli } from "../support/agent-clis.js";
import { approvalFlows, expectApprovalCard, requestFor } from "../support/approval-e2e.js";
import { type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";

const API_KEY = "sk-ant-fake-0123456789abcdefghijklmnop";
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
    tool: "Bash",
    summary: expect.stringMatching(/^Run: touch /),
  });
  await expectApprovalCard(r, data.approval_id, "Bash", file);
  return data.approval_id;
}

beforeAll(async () => {
  bin = ensureAgentCli("claude");
  r = await startRealAgentWorld(
    "claude",
    (url) => {
      const h = claudeHome({ apiKey: API_KEY });
      return { home: h, env: claudeEnv(bin, h, url, API_KEY) };
    },
    {
      actorArgs: ["--permissions", "ask"],
      model: {
        script: {
          answer: "text",
          reply: (m) => `pong: ${m.text}`,
          // "run X" asks to create X; a handed-over approval ("… (Run: touch X) was approved …") retries it.
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

describe("real Claude Code asking for approval", () => {
  it("runs without bypass and with CCCC's prompt tool", async () => {
    expect(await r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+claude\s+structured\s+running/);
    const group = r.world.t.daemon.ctx.kernel.group(r.world.gid);
    expect(group.actor("lead").permissions).toBe("ask");
    const pid = r.world.t.daemon.ctx.actors.status(group, "lead").pid;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    expect(argv).toContain("--permission-prompt-tool");
    expect(argv[argv.indexOf("--permission-prompt-tool") + 1]).toBe("mcp__cccc__cccc_approval_prompt");
    expect(argv).not.toContain("--dangerously-skip-permissions");
  });

  approvalFlows({
    world: () => r,
    home: () => home,
    cardFor,
    denied: /could not run touch denied\.txt: [\s\S]*not on Fridays/,
    timedOut: /could not run touch late\.txt: [\s\S]*approval_timeout/,
  });
});
