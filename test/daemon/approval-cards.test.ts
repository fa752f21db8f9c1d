/**
 * Approval cards against the real daemon and the fake DingTalk (real wire protocol): a request is an
 * AI card in every subscribed chat; a daemon restart while it is pending does not lose which card is
 * where, so the decision (Web UI) still updates every card in place; a tap on an old button after
 * the decision gets "already approved by …" and changes nothing; a DingTalk decision names who.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalDecidedData, ApprovalRecord } from "../../src/kernel/approval.js";
import type { FakeCard } from "../fakes/dingtalk/index.js";
import { type BridgeWorld, configureAndStart, startBridgeWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon } from "../support/daemon.js";

const DM = { chat: "direct" as const, conversationId: "cid-approval-dm" };
const GROUP = { chat: "group" as const, conversationId: "cid-approval-group" };
let w: BridgeWorld;
let home = "";

beforeAll(async () => {
  w = await startBridgeWorld([{ id: "lead", runtime: "claude", permissions: "ask" }], {
    cards: { updateMinIntervalMs: 0 },
  });
  home = w.t.home.root;
  await configureAndStart(w);
  await w.subscribe(DM);
  await w.subscribe(GROUP);
}, 120_000);
afterAll(async () => {
  await w?.t.close(); // the daemon started after the restart (w.close() closes the first one)
  await w?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const path = (s = "") => `/api/v1/groups/${w.gid}${s}`;
const content = (c: FakeCard) => c.params.msgContent ?? "";

async function ask(command: string): Promise<string> {
  const r = await w.t.api<{ approval: ApprovalRecord }>("POST", path("/approvals"), {
    actor_id: "lead",
    tool_name: "Bash",
    input: { command },
    tool_use_id: `toolu_${command.replace(/\W/g, "_")}`,
  });
  expect(r.status).toBe(200);
  return r.body.approval.approval_id;
}

/** The approval's card in the direct chat and in the group, once both exist. */
async function cards(id: string): Promise<FakeCard[]> {
  return waitFor(
    () => {
      const found = w.fake.cards.list().filter((c) => content(c).includes(`\`${id}\``));
      return found.length === 2 ? found : undefined;
    },
    20_000,
    `the cards of ${id}`,
  );
}

const messagesWith = (needle: string) =>
  w.fake.sent.filter((m) => JSON.stringify(m.msgParam).includes(needle));

const decisions = async (id: string) =>
  (await w.t.daemon.ctx.kernel.group(w.gid).ledger.read(0, 100_000)).filter(
    (e) => e.kind === "approval.decided" && (e.data as ApprovalDecidedData).approval_id === id,
  );

describe("approval cards with the real daemon", () => {
  it("a daemon restart while pending: the Web UI decision still updates the card in every chat", async () => {
    const id = await ask("npm publish");
    const [a, b] = await cards(id);
    expect([a?.space.kind, b?.space.kind].sort()).toEqual(["direct", "group"]);
    expect(messagesWith(`approval \`${id}\``)).toEqual([]); // a card, not an ActionCard

    await w.t.daemon.close();
    w.t = await startTestDaemon({ ...w.cliEnv, CCCC_HOME: undefined }, home);
    await waitFor(() => w.fake.liveConnections().length > 0 || undefined, 30_000, "the bridge reconnected");

    const r = await w.t.api("POST", path(`/approvals/${id}/decide`), { decision: "approve", via: "web" });
    expect(r.status).toBe(200);
    for (const card of [a, b] as FakeCard[]) {
      await waitFor(() => content(card).includes("**Approved**") || undefined, 20_000, "the decided card");
      expect(content(card)).toMatch(/^✅ \*\*Approved\*\* by a user in the Web UI, \d\d-\d\d \d\d:\d\d\./);
      expect(content(card)).toContain("Run: npm publish");
      expect(content(card)).not.toContain("dtmd://");
    }
    expect(messagesWith(`Approved ${id}`)).toEqual([]); // the card says it; no extra message

    // An old button (or the typed command) after the decision: told politely, nothing changes.
    w.fake.push(w.fake.robotMessage({ ...DM, text: `/deny ${id}` }));
    const reply = await w.waitSent(new RegExp(`${id} was already approved`), "the already-decided reply");
    expect(reply).toMatch(
      new RegExp(
        `^🙏 ${id} was already approved by a user in the Web UI, \\d\\d-\\d\\d \\d\\d:\\d\\d, so nothing changed\\.$`,
      ),
    );
    expect(await decisions(id)).toHaveLength(1);
    expect(content(a as FakeCard)).toContain("**Approved**");
  }, 120_000);

  it("Deny from DingTalk: every card names who denied, where, and why", async () => {
    const id = await ask("git push --force");
    const both = await cards(id);
    w.fake.push(w.fake.robotMessage({ ...GROUP, text: `/deny ${id} not on main` }));
    for (const card of both) {
      await waitFor(() => content(card).includes("**Denied**") || undefined, 20_000, "the denied card");
      expect(content(card)).toMatch(
        /^⛔ \*\*Denied\*\* by Alice \(manager4567\) in DingTalk, \d\d-\d\d \d\d:\d\d\.\n\nReason: not on main\n/,
      );
    }
    expect((await decisions(id)).map((e) => e.data)).toEqual([
      expect.objectContaining({ decision: "deny", via: "dingtalk", decided_by: "Alice (manager4567)" }),
    ]);
  }, 60_000);
});
