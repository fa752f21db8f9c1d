/**
 * The real Codex CLI (pinned) as a structured actor (`codex app-server`) in permission mode `ask`,
 * between the fake DingTalk and the fake model (which asks for a shell command through Codex's
 * `exec_command` tool that creates a file): Codex's approval request reaches the DingTalk chat as a
 * card; a non-approver is refused; Approve from the person who bound the chat runs the command and
 * the reply arrives; Deny blocks it and the agent says so; a timeout denies; a daemon restart while
 * pending keeps the request and the agent is not left hanging; every decision is in the ledger with
 * who and where. The same flows as test/e2e/real-claude-approvals.test.ts.
 */

import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalDecidedData, ApprovalRequestedData } from "../../src/kernel/approval.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { codexEnv, codexHome, ensureAgentCli } from "../support/agent-clis.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon } from "../support/daemon.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";

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
    tool: "Shell",
    summary: expect.stringMatching(/^Run: touch /),
    input: { command: `touch ${file}`, cwd: r.home.project },
  });
  const id = data.approval_id;
  await r.waitReply(
    new RegExp(`asks to use \\*\\*Shell\\*\\* \\(approval \`${id}\`\\)[\\s\\S]*touch ${file}`),
    "the card",
  );
  const card = r.world.fake.sent.find((m) => JSON.stringify(m.msgParam).includes(`approval \`${id}\``));
  const json = JSON.stringify(card?.msgParam);
  expect(card?.msgKey).toMatch(/ActionCard|actionCard/);
  for (const command of [`/approve ${id}`, `/deny ${id}`, `/approve ${id} always`])
    expect(json).toContain(`dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(command)}`);
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
      new RegExp(`Approved ${id} \\(lead, Shell\\) — 张三 \\(manager4567\\), dingtalk`),
      "the decision",
    );
  }, 240_000);

  it("Deny blocks the command and the agent says so", async () => {
    say("run denied.txt");
    const id = await cardFor("denied.txt");
    say(`/deny ${id} not on Fridays`);
    await r.waitReply(
      // Codex's decline carries no reason (docs/approvals.md): the model is told the user rejected it.
      /could not run touch denied\.txt: [\s\S]*rejected by user/,
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
        /could not run touch late\.txt: [\s\S]*rejected by user/,
        "the agent told of the timeout",
      );
      expect(await decided(id)).toMatchObject({ decision: "deny", decided_by: "system", via: "timeout" });
      await r.waitReply(new RegExp(`Denied ${id} [\\s\\S]*timeout`), "the timeout in the chat");
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
    // The new session is told; its retry of the same call is allowed at once (a "rule" decision).
    await waitFor(() => existsSync(project("restart.txt")), 120_000, "the command ran after the restart");
    const auto = (await events("approval.decided")).map((e) => e.data as ApprovalDecidedData).at(-1);
    expect(auto).toMatchObject({ decision: "approve", via: "rule", decided_by: "system" });
    await r.waitReply(/ran touch restart\.txt/, "a reply after the restart");
  }, 300_000);
});
