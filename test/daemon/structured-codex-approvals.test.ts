/**
 * A codex actor in permission mode `ask` in the real daemon, with a scripted `codex app-server`
 * (test/fixtures/agents/codex-app-server-agent.mjs asks for exec and patch approvals the way 0.169.0
 * does): each request is an `approval.requested` event; the decision from the inbox goes back to
 * Codex on the same request (accept / decline / acceptForSession), an "always" rule answers later
 * calls itself, a timeout declines, the turn's idle timer waits for people, and a daemon restart
 * while pending keeps the request and hands the decision over to the new session. The real CLI with
 * DingTalk: test/e2e/real-codex-approvals.test.ts.
 */

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ApprovalDecidedData,
  ApprovalRecord,
  ApprovalRequestedData,
} from "../../src/kernel/approval.js";
import type { ChatMessageData, LedgerEvent } from "../../src/kernel/types.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
const LOG = join(tmpdir(), `cccc-fake-codex-approvals-${process.pid}.log`);
// A short idle limit: a turn waiting for a person must not be failed as "printed nothing".
const ENV = { FAKE_CODEX_LOG: LOG, CCCC_STRUCTURED_TIMINGS: JSON.stringify({ turnIdleMs: 1500 }) };

let t: TestDaemon;
let gid: string;
let root = "";
const path = (suffix = "") => `/api/v1/groups/${gid}${suffix}`;

const answered = () =>
  readFileSync(LOG, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { answered?: number; result?: { decision?: unknown } })
    .filter((l) => l.answered !== undefined);

const events = async (kind: string): Promise<LedgerEvent[]> =>
  (await t.daemon.ctx.kernel.group(gid).ledger.read(0, 100_000)).filter((e) => e.kind === kind);

async function send(text: string): Promise<LedgerEvent<ChatMessageData>> {
  const r = await t.api<{ event: LedgerEvent<ChatMessageData> }>("POST", path("/send"), {
    text,
    to: ["lead"],
  });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.event;
}

const reply = (to: LedgerEvent) =>
  waitFor(
    async () =>
      (await events("chat.message")).find((e) => (e.data as ChatMessageData).reply_to === to.id) as
        | LedgerEvent<ChatMessageData>
        | undefined,
    30_000,
    `the reply to "${(to.data as ChatMessageData).text}"`,
  );

/** The request whose summary starts with `summary`, once it is in the ledger. */
const requested = (summary: string) =>
  waitFor(
    async () =>
      (await events("approval.requested"))
        .map((e) => e as LedgerEvent<ApprovalRequestedData>)
        .find((e) => e.data.summary.startsWith(summary)),
    30_000,
    `the approval request "${summary}"`,
  );

const decide = (id: string, decision: string, reason?: string) =>
  t.api<{ approval: ApprovalRecord }>("POST", path(`/approvals/${id}/decide`), {
    decision,
    reason,
    via: "web",
  });

const decisionOf = async (id: string) =>
  (await events("approval.decided"))
    .map((e) => e.data as ApprovalDecidedData)
    .find((d) => d.approval_id === id);

beforeAll(async () => {
  writeFileSync(LOG, "");
  t = await startTestDaemon(ENV);
  root = t.home.root;
  gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "cxa", scope: AGENTS })
  ).body.group.group_id;
  const added = await t.api("POST", path("/actors"), {
    id: "lead",
    runtime: "codex",
    permissions: "ask",
    command: ["node", `${AGENTS}/codex-app-server-agent.mjs`],
  });
  expect(added.status, JSON.stringify(added.body)).toBe(200);
  await t.api("POST", path("/start"));
});
afterAll(async () => {
  await t?.daemon.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("codex in permission mode ask (scripted app-server)", () => {
  it("starts the thread asking; a command waits for Approve (longer than the idle limit), then runs", async () => {
    const msg = await send("exec touch a.txt");
    const req = await requested("Run: touch a.txt");
    expect(req.by).toBe("lead");
    expect(req.data).toMatchObject({
      actor_id: "lead",
      tool: "Shell",
      input: { command: "touch a.txt", cwd: AGENTS },
    });
    const start = readFileSync(LOG, "utf8")
      .split("\n")
      .find((l) => l.includes('"thread/start"'));
    expect(JSON.parse(start ?? "{}").params).toMatchObject({ approvalPolicy: "untrusted" });
    // Nothing is answered while nobody decides, even past the turn's idle limit (1.5 s).
    await new Promise((ok) => setTimeout(ok, 2500));
    expect(answered()).toEqual([]);
    expect((await decide(req.data.approval_id, "approve")).status).toBe(200);
    expect((await reply(msg)).data.text).toBe("ran exec touch a.txt (accept)");
    expect(await decisionOf(req.data.approval_id)).toMatchObject({
      decision: "approve",
      decided_by: "user",
      via: "web",
    });
  });

  it("Deny declines the command; the reason is in the ledger", async () => {
    const msg = await send("exec rm -rf build");
    const req = await requested("Run: rm -rf build");
    await decide(req.data.approval_id, "deny", "not today");
    expect((await reply(msg)).data.text).toBe("did not run exec rm -rf build (decline)");
    expect(await decisionOf(req.data.approval_id)).toMatchObject({ decision: "deny", reason: "not today" });
  });

  it("a patch shows its files; Always answers acceptForSession and approves the actor's later patches itself", async () => {
    const first = await send("patch notes.md");
    const req = await requested(`Change files: add ${AGENTS}/notes.md`);
    expect(req.data.summary).toContain("+hello from notes.md");
    expect(req.data.tool).toBe("ApplyPatch");
    await decide(req.data.approval_id, "always");
    expect((await reply(first)).data.text).toBe("ran patch notes.md (acceptForSession)");
    const second = await send("patch other.md");
    expect((await reply(second)).data.text).toBe("ran patch other.md (accept)");
    const auto = await decisionOf((await requested(`Change files: add ${AGENTS}/other.md`)).data.approval_id);
    expect(auto).toMatchObject({ decision: "approve", decided_by: "system", via: "rule" });
  });

  it("a request nobody decides is declined at approval_timeout", async () => {
    const group = t.daemon.ctx.kernel.group(gid);
    await group.updateConfig((c) => {
      c.approval_timeout = 2;
    });
    try {
      const msg = await send("exec make deploy");
      const req = await requested("Run: make deploy");
      expect((await reply(msg)).data.text).toBe("did not run exec make deploy (decline)");
      expect(await decisionOf(req.data.approval_id)).toMatchObject({ decision: "deny", via: "timeout" });
    } finally {
      await group.updateConfig((c) => {
        delete c.approval_timeout;
      });
    }
  });

  it("a daemon restart while pending keeps the request; the decision is handed over and the retry allowed", async () => {
    await send("exec touch r.txt");
    const req = await requested("Run: touch r.txt");
    const asked = answered().length;
    await t.daemon.close();
    t = await startTestDaemon(ENV, root);
    const { body } = await t.api<{ pending: ApprovalRecord[] }>("GET", path("/approvals"));
    expect(body.pending.map((a) => a.approval_id)).toEqual([req.data.approval_id]);
    expect((await decide(req.data.approval_id, "approve")).status).toBe(200);
    expect(await decisionOf(req.data.approval_id)).toMatchObject({ decision: "approve", handed_over: true });
    // The new session is told (a message from system), and its retry is approved at once.
    const told = await waitFor(
      async () =>
        (await events("chat.message")).find(
          (e) =>
            e.by === "system" &&
            (e.data as ChatMessageData).text.includes(`Approval ${req.data.approval_id}`),
        ),
      30_000,
      "the hand-over message",
    );
    expect((told.data as ChatMessageData).to).toEqual(["lead"]);
    // The hand-over is a turn of its own: retry once it is answered (else both land in one turn).
    await reply(told);
    const retry = await send("exec touch r.txt");
    expect((await reply(retry)).data.text).toBe("ran exec touch r.txt (accept)");
    const last = (await events("approval.decided")).map((e) => e.data as ApprovalDecidedData).at(-1);
    expect(last).toMatchObject({ decision: "approve", via: "rule", reason: "Approved before a restart." });
    expect(answered().length).toBeGreaterThan(asked);
  });
});
