/**
 * What the real-CLI approval e2e tests (test/e2e/real-*-approvals.test.ts) share: reading the ledger's
 * approval events, the request's card in the fake DingTalk chat, and the decision.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ApprovalDecidedData, ApprovalRequestedData } from "../../src/kernel/approval.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { waitFor } from "./cli.js";
import { startTestDaemon } from "./daemon.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "./real-agent-world.js";

export interface ApprovalWorld {
  world(): RealAgentWorld;
  /** CCCC_HOME of the world (the restarted daemon reuses it). */
  home(): string;
}

/**
 * Registers the suite's beforeAll/afterAll: the real `runtime` CLI as the structured actor `lead` in
 * permission mode `ask`, with a fake model that answers "run X" by asking to `touch X` (Claude's
 * Bash tool, Codex's exec_command) and retries it when told a handed-over approval went through.
 */
export function approvalWorld(runtime: "claude" | "codex"): ApprovalWorld {
  let r: RealAgentWorld | undefined;
  let home = "";
  beforeAll(async () => {
    r = await startRealAgentWorld(runtime, {
      actorArgs: ["--permissions", "ask"],
      model: {
        script: {
          answer: "text",
          reply: (m) => `pong: ${m.text}`,
          bash: (m) => {
            const file =
              /^run ([\w.-]+)$/.exec(m.text)?.[1] ??
              (/was approved/.test(m.text) ? /touch ([\w.-]+)/.exec(m.text)?.[1] : undefined);
            return file ? `touch ${file}` : undefined;
          },
        },
      },
    });
    home = r.world.t.home.root;
  }, 15 * 60_000);
  afterAll(async () => {
    await r?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  return {
    world: () => {
      if (!r) throw new Error("the approval world did not start");
      return r;
    },
    home: () => home,
  };
}

/** lead's command line, once `cccc actor list` shows it running as a structured actor in permission mode ask. */
export async function askingLeadArgv(w: ApprovalWorld, runtime: "claude" | "codex"): Promise<string[]> {
  const r = w.world();
  expect(await r.world.cli(["actor", "list"])).toMatch(
    new RegExp(`lead\\s+foreman\\s+${runtime}\\s+structured\\s+running`),
  );
  const group = r.world.t.daemon.ctx.kernel.group(r.world.gid);
  expect(group.actor("lead").permissions).toBe("ask");
  const pid = r.world.t.daemon.ctx.actors.status(group, "lead").pid;
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
}

export const approvalEvents = async (r: RealAgentWorld, kind: string): Promise<LedgerEvent[]> =>
  (await r.world.t.daemon.ctx.kernel.group(r.world.gid).ledger.read(0, 100_000)).filter(
    (e) => e.kind === kind,
  );

/** The request to run `touch <file>`, once it is in the ledger. */
export async function requestFor(r: RealAgentWorld, file: string): Promise<LedgerEvent> {
  return waitFor(
    async () =>
      (await approvalEvents(r, "approval.requested")).find((e) =>
        (e.data as ApprovalRequestedData).summary.includes(`touch ${file}`),
      ),
    90_000,
    `the approval request for ${file}`,
  );
}

/**
 * The request's card in the direct chat: an AI card (cards are on by default) with the three buttons,
 * updated in place once decided, and no ActionCard besides it.
 */
export async function expectApprovalCard(r: RealAgentWorld, id: string, tool: string, file: string) {
  await r.waitReply(
    new RegExp(`asks to use \\*\\*${tool}\\*\\* \\(approval \`${id}\`\\)[\\s\\S]*touch ${file}`),
    "the card",
  );
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
}

export async function decisionOf(r: RealAgentWorld, id: string): Promise<ApprovalDecidedData> {
  const e = await waitFor(
    async () =>
      (await approvalEvents(r, "approval.decided")).find(
        (x) => (x.data as ApprovalDecidedData).approval_id === id,
      ),
    60_000,
    `the decision of ${id}`,
  );
  return e.data as ApprovalDecidedData;
}

export interface ApprovalFlows extends ApprovalWorld {
  /** The tool the CLI names in its request to run a command: Claude's `Bash`, Codex's `Shell`. */
  tool: string;
  /** What the request's `input` must hold for `touch <file>`, where the CLI reports it. */
  input?: (file: string, r: RealAgentWorld) => Record<string, unknown>;
  /** What the agent says when the request for denied.txt was denied with "not on Fridays". */
  denied: RegExp;
  /** What the agent says when the request for late.txt timed out. */
  timedOut: RegExp;
}

/**
 * The flows both CLIs go through: a non-approver refused, Approve runs the command, Deny blocks it,
 * a timeout denies, a daemon restart while pending keeps the request.
 */
export function approvalFlows(o: ApprovalFlows): void {
  const r = o.world;
  const events = (kind: string) => approvalEvents(r(), kind);
  const decided = (id: string) => decisionOf(r(), id);
  // The request for `touch <file>` from lead, then its card: the approval id.
  const cardFor = async (file: string): Promise<string> => {
    const requested = await requestFor(r(), file);
    const data = requested.data as ApprovalRequestedData;
    expect(requested.by).toBe("lead");
    expect(data).toMatchObject({
      actor_id: "lead",
      tool: o.tool,
      summary: expect.stringMatching(/^Run: touch /),
      ...(o.input ? { input: o.input(file, r()) } : {}),
    });
    await expectApprovalCard(r(), data.approval_id, o.tool, file);
    return data.approval_id;
  };
  const say = (text: string, extra: { senderStaffId?: string; senderNick?: string } = {}) =>
    r().world.fake.push(r().world.fake.robotMessage({ ...DIRECT, ...extra, text }));
  const project = (file: string) => join(r().home.project, file);

  it("a card reaches DingTalk; a non-approver is refused; Approve runs the command and the reply arrives", async () => {
    say("run approved.txt");
    const id = await cardFor("approved.txt");
    say(`/approve ${id}`, { senderStaffId: "intern999", senderNick: "李四" });
    await r().waitReply(new RegExp(`not an approver for this group, so ${id} stays pending`), "the refusal");
    const { body } = await r().world.t.api<{ pending: { approval_id: string }[] }>(
      "GET",
      `/api/v1/groups/${r().world.gid}/approvals`,
    );
    expect(body.pending.map((a) => a.approval_id)).toContain(id);
    expect(existsSync(project("approved.txt"))).toBe(false);

    say(`/approve ${id}`);
    await r().waitReply(/ran touch approved\.txt/, "the agent's reply after the command ran");
    expect(existsSync(project("approved.txt"))).toBe(true);
    expect(await decided(id)).toMatchObject({
      decision: "approve",
      decided_by: "张三 (manager4567)",
      via: "dingtalk",
      chat_id: expect.any(String),
    });
    await r().waitReply(
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
    await r().waitReply(o.denied, "the agent saying it was denied");
    expect(existsSync(project("denied.txt"))).toBe(false);
    expect(await decided(id)).toMatchObject({ decision: "deny", via: "dingtalk", reason: "not on Fridays" });
  }, 240_000);

  it("a request nobody decides is denied at approval_timeout; the agent continues", async () => {
    const group = r().world.t.daemon.ctx.kernel.group(r().world.gid);
    await group.updateConfig((c) => {
      c.approval_timeout = 6;
    });
    try {
      say("run late.txt");
      const id = await cardFor("late.txt");
      await r().waitReply(o.timedOut, "the agent told of the timeout");
      expect(await decided(id)).toMatchObject({ decision: "deny", decided_by: "system", via: "timeout" });
      await r().waitReply(
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
    await r().world.t.daemon.close();
    const env = { ...r().world.cliEnv, CCCC_HOME: undefined };
    r().world.t = await startTestDaemon(env, o.home());
    await waitFor(() => r().world.fake.liveConnections().length > 0, 30_000, "the bridge reconnected");
    const { body } = await r().world.t.api<{ pending: { approval_id: string }[] }>(
      "GET",
      `/api/v1/groups/${r().world.gid}/approvals`,
    );
    expect(body.pending.map((a) => a.approval_id)).toEqual([id]);
    say(`/approve ${id}`);
    expect(await decided(id)).toMatchObject({ decision: "approve", via: "dingtalk", handed_over: true });
    // The card shown before the restart is updated in place after it.
    await r().waitReply(
      new RegExp(`^✅ \\*\\*Approved\\*\\* by 张三 [\\s\\S]*restarted meanwhile[\\s\\S]*\`${id}\``),
      "the card updated after the restart",
    );
    // The new session is told; its retry of the same call is allowed at once (a "rule" decision).
    await waitFor(() => existsSync(project("restart.txt")), 120_000, "the command ran after the restart");
    const auto = (await events("approval.decided")).map((e) => e.data as ApprovalDecidedData).at(-1);
    expect(auto).toMatchObject({ decision: "approve", via: "rule", decided_by: "system" });
    await r().waitReply(/ran touch restart\.txt/, "a reply after the restart");
  }, 300_000);
}
