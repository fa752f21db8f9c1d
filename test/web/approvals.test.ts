/**
 * The approval inbox in the Web UI (Chromium) against the real daemon in-process: requests filed the
 * way the MCP prompt tool files them show up live with a count on the tab; Approve and Deny (with a
 * reason) decide them, the history shows who decided and from where, and the ledger says `via: web`.
 * Screenshot: /tmp/cccc-ui-approvals.png.
 */
import { resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApprovalDecidedData } from "../../src/kernel/approval.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { hasChromium, launchChromium } from "./browser.js";
import { ensureWebBuilt } from "./setup.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");

describe.skipIf(!hasChromium)("Web UI approval inbox", () => {
  let browser: Browser;
  let t: TestDaemon;
  let gid: string;
  const path = (s = "") => `/api/v1/groups/${gid}${s}`;
  const ask = async (command: string, toolUseId: string) =>
    (
      await t.api<{ approval: { approval_id: string } }>("POST", path("/approvals"), {
        actor_id: "lead",
        tool_name: "Bash",
        input: { command },
        tool_use_id: toolUseId,
      })
    ).body.approval.approval_id;

  beforeAll(async () => {
    ensureWebBuilt();
    [browser, t] = await Promise.all([launchChromium(), startTestDaemon()]);
    gid = (
      await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
        title: "审批 inbox",
        scope: AGENTS,
      })
    ).body.group.group_id;
    const added = await t.api("POST", path("/actors"), {
      id: "lead",
      runtime: "claude",
      permissions: "ask",
      command: ["node", `${AGENTS}/stream-json-agent.mjs`],
    });
    expect(added.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test("badge, live list, approve, deny with a reason, history", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(15_000);
    const crashes: string[] = [];
    page.on("pageerror", (error) => crashes.push(error.message));
    try {
      const first = await ask("npm publish", "toolu_1");
      await page.goto(`${t.daemon.url}?group=${gid}`);
      await page.getByText(/asks approval/).waitFor();
      const tab = page.getByRole("tab", { name: /Approvals/ });
      await expect.poll(() => tab.textContent()).toBe("Approvals1");
      // A new request arrives live (no reload): the count goes up.
      const second = await ask("rm -rf build && 构建", "toolu_2");
      await expect.poll(() => tab.textContent()).toBe("Approvals2");
      await tab.click();
      const inbox = page.getByRole("region", { name: "Approvals" });
      const one = inbox.locator(`li[data-approval="${first}"]`);
      await one.getByText("Run: npm publish").waitFor();
      await inbox.locator(`li[data-approval="${second}"]`).getByText("Run: rm -rf build && 构建").waitFor();
      await page.screenshot({ path: "/tmp/cccc-ui-approvals.png" });

      await one.getByRole("button", { name: "Approve", exact: true }).click();
      await expect.poll(() => tab.textContent()).toBe("Approvals1");
      const two = inbox.locator(`li.pending[data-approval="${second}"]`);
      await two.getByLabel(`Reason to deny ${second}`).fill("not now");
      await two.getByRole("button", { name: "Deny" }).click();
      await expect.poll(() => tab.textContent()).toBe("Approvals");
      await inbox
        .locator(`li.approved[data-approval="${first}"]`)
        .getByText(/by user \(web\)/)
        .waitFor();
      await inbox.locator(`li.denied[data-approval="${second}"]`).getByText("not now").waitFor();

      const { body } = await t.api<{ events: LedgerEvent[] }>("GET", path("/ledger?after=0"));
      const decided = body.events
        .filter((e) => e.kind === "approval.decided")
        .map((e) => e.data as ApprovalDecidedData);
      expect(decided).toEqual([
        expect.objectContaining({ approval_id: first, decision: "approve", decided_by: "user", via: "web" }),
        expect.objectContaining({ approval_id: second, decision: "deny", via: "web", reason: "not now" }),
      ]);
      expect(crashes).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
