/**
 * What the real-CLI approval e2e tests (test/e2e/real-*-approvals.test.ts) share: reading the ledger's
 * approval events, the request's card in the fake DingTalk chat, and the decision.
 */
import { expect } from "vitest";
import type { ApprovalDecidedData, ApprovalRequestedData } from "../../src/kernel/approval.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { waitFor } from "./cli.js";
import type { RealAgentWorld } from "./real-agent-world.js";

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
