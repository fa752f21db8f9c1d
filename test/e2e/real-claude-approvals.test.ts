/**
 * The real Claude Code CLI (pinned) as a structured actor in permission mode `ask`, between the fake
 * DingTalk and the fake model (which asks for a Bash tool use that creates a file): the request
 * reaches the DingTalk chat as an AI card (updated in place with the decision); a non-approver is
 * refused; Approve from the person who bound the chat runs the command and the reply arrives; Deny
 * blocks it and the agent says so; a timeout denies; a daemon restart while pending keeps the request
 * (and its card is updated after it) and the agent is not left hanging; every decision is in the
 * ledger with who and where.
 */

import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalDecidedData, ApprovalRequestedData } from "../../src/kernel/approval.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { claudeEnv, claudeHome, ensureAgentCli } from "../support/agent-clis.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon } from "../support/daemon.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";

const API_KEY = "sk-ant-fake-0123456789abcdefghijklmnop";
let bin: string;
let r: RealAgentWorld;
let home = "";

const events = async (kind: string): Promise<LedgerEvent[]> =>
  (await r.world.t.daemon.ctx.kernel.group(r.world.gid).ledger.read(0, 100_000)).filter(
    (e) => e.kind === kind,
  );

/** The card for `file`'s request: its approval id, from the ledger and the chat. */
async function cardFor(file: string): Promise<string> {
  const requested = await waitFor(
    async () =>
      (await events("approval.requested")).find((e) =>
        (e.data as ApprovalRequestedData).summary.includes(`touch ${file}`),
      ),
    90_000,
    `the approval request for ${file}`,
  );
  const data = requested.data as ApprovalRequestedData;
  expect(requested.by).toBe("lead");
  expect(data).toMatchObject({
    actor_id: "lead",
    tool: "Bash",
    summary: expect.stringMatching(/^Run: touch /),
  });
  const id = data.approval_id;
  await r.waitReply(
    new RegExp(`asks to use \\*\\*Bash\\*\\* \\(approval \`${id}\`\\)[\\s\\S]*touch ${file}`),
    "the card",
  );
  // An AI card (cards are on by default), updated in place once decided; no ActionCard besides it.
  const card = r.world.fake.cards
    .list()
    .find((c) => (c.params.msgContent ?? "").includes(`approval \`${id}\``));
  expect(card?.space.kind).toBe("direct");
  for (const command of [`/approve ${id}`, `/deny ${id}`, `/approve ${id} always`])
    expect(card?.params.msgContent).toContain(
      `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(command)}`,
    );
  expect(r.world.fake.sent.some((m) => JSON.stringify(m.msgParam).includes(`approval \`${id}\``))).toBe(
    false,
  );
  return id;
}

async function decided(id: string): Promise<ApprovalDecidedData> {
  const e = await waitFor(
    async () =>
      (await events("approval.decided")).find((x) => (x.data as ApprovalDecidedData).approval_id === id),
    60_000,
    `the decision of ${id}`,
  );
  return e.data as ApprovalDecidedData;
}

const say = (text: string, extra: { senderStaffId?: string; senderNick?: string } = {}) =>
  r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, ...extra, text }));

const project = (file: string) => join(r.home.project, file);

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
  // The daemon started after the restart test: world.close() only closes the one it started with,
  // and that daemon's Claude Code would outlive the test (and race the agent home's removal).
  await r?.world.t.close();
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

  it("a card reaches DingTalk; a non-approver is refused; Approve runs the command and the reply arrives", async () => {
    say("run approved.txt");
    const id = await cardFor("approved.txt");
    say(`/approve ${id}`, { senderStaffId: "intern999", senderNick: "李四" });
    await r.waitReply(new RegExp(`not an approver for this group, so ${id} stays pending`), "the refusal");
    const { body } = await r.world.t.api<{ pending: { approval_id: string }[] }>(
      "GET",
      `/api/v1/groups/${r.world.gid}/approvals`,
    );
    expect(body.pending.map((a) => a.approval_id)).toContain(id);
    expect(existsSync(project("approved.txt"))).toBe(false);

    say(`/approve ${id}`);
    await r.waitReply(/ran touch approved\.txt/, "the agent's reply after the command ran");
    expect(existsSync(project("approved.txt"))).toBe(true);
    expect(await decided(id)).toMatchObject({
      decision: "approve",
      decided_by: "张三 (manager4567)",
      via: "dingtalk",
      chat_id: expect.any(String),
    });
    await r.waitReply(
      new RegExp(
        `^✅ \\*\\*Approved\\*\\* by 张三 \\(manager4567\\) in DingTalk[\\s\\S]*\`${id}\`[\\s\\S]*touch approved\\.txt`,
      ),
      "the card updated with the decision",
    );
  }, 240_000);

  it("Deny blocks the command and the agent says so", async () => {
    say("run denied.txt");
    const id = await cardFor("denied.txt");
    say(`/deny ${id} not on Fridays`);
    await r.waitReply(
      /could not run touch denied\.txt: [\s\S]*not on Fridays/,
      "the agent saying it was denied",
    );
    expect(existsSync(project("denied.txt"))).toBe(false);
    expect(await decided(id)).toMatchObject({ decision: "deny", via: "dingtalk", reason: "not on Fridays" });
  }, 240_000);

  it("a request nobody decides is denied at approval_timeout; the agent continues", async () => {
    const group = r.world.t.daemon.ctx.kernel.group(r.world.gid);
    await group.updateConfig((c) => {
      c.approval_timeout = 6;
    });
    try {
      say("run late.txt");
      const id = await cardFor("late.txt");
      await r.waitReply(
        /could not run touch late\.txt: [\s\S]*approval_timeout/,
        "the agent told of the timeout",
      );
      expect(await decided(id)).toMatchObject({ decision: "deny", decided_by: "system", via: "timeout" });
      await r.waitReply(
        new RegExp(`^⛔ \\*\\*Denied\\*\\* automatically: nobody decided in time[\\s\\S]*\`${id}\``),
        "the card updated with the timeout",
      );
      expect(existsSync(project("late.txt"))).toBe(false);
    } finally {
      await group.updateConfig((c) => {
        delete c.approval_timeout;
      });
    }
  }, 240_000);

  it("a daemon restart while pending keeps the request; approving it afterwards still gets the work done", async () => {
    say("run restart.txt");
    const id = await cardFor("restart.txt");
    await r.world.t.daemon.close();
    const env = { ...r.world.cliEnv, CCCC_HOME: undefined };
    r.world.t = await startTestDaemon(env, home);
    await waitFor(() => r.world.fake.liveConnections().length > 0, 30_000, "the bridge reconnected");
    const { body } = await r.world.t.api<{ pending: { approval_id: string }[] }>(
      "GET",
      `/api/v1/groups/${r.world.gid}/approvals`,
    );
    expect(body.pending.map((a) => a.approval_id)).toEqual([id]);
    say(`/approve ${id}`);
    expect(await decided(id)).toMatchObject({ decision: "approve", via: "dingtalk", handed_over: true });
    // The card shown before the restart is updated in place after it.
    await r.waitReply(
      new RegExp(`^✅ \\*\\*Approved\\*\\* by 张三 [\\s\\S]*restarted meanwhile[\\s\\S]*\`${id}\``),
      "the card updated after the restart",
    );
    // The new session is told; its retry of the same call is allowed at once (a "rule" decision).
    await waitFor(() => existsSync(project("restart.txt")), 120_000, "the command ran after the restart");
    const auto = (await events("approval.decided")).map((e) => e.data as ApprovalDecidedData).at(-1);
    expect(auto).toMatchObject({ decision: "approve", via: "rule", decided_by: "system" });
    await r.waitReply(/ran touch restart\.txt/, "a reply after the restart");
  }, 300_000);
});
