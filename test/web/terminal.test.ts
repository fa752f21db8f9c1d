/**
 * An actor's terminal in the Web UI (Chromium), against the real daemon in-process serving web/dist:
 * open the terminal tab of a running PTY actor, see its prompt, type a command and see the output,
 * check the PTY took the panel's size, then restart the actor and see the view reconnect by itself;
 * a stopped actor's tab says "Not running" and connects once the actor starts.
 * Screenshot: /tmp/cccc-ui-terminal.png.
 */
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { hasChromium, launchChromium } from "./browser.js";
import { ensureWebBuilt } from "./setup.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");

async function screenText(page: Page): Promise<string> {
  return (await page.locator(".terminal-pane .xterm-rows").textContent()) ?? "";
}

async function waitForScreen(page: Page, what: RegExp, timeoutMs = 8_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await screenText(page);
    if (what.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`terminal never showed ${what}; it shows:\n${text}`);
    await page.waitForTimeout(100);
  }
}

describe.skipIf(!hasChromium)("Web UI terminal", () => {
  let browser: Browser;
  let t: TestDaemon;
  let gid: string;

  beforeAll(async () => {
    ensureWebBuilt();
    [browser, t] = await Promise.all([launchChromium(), startTestDaemon()]);
    gid = (
      await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "term", scope: AGENTS })
    ).body.group.group_id;
    await t.api("POST", `/api/v1/groups/${gid}/actors`, {
      id: "shell",
      runtime: "custom",
      command: ["node", `${AGENTS}/shell-agent.mjs`],
    });
    await t.api("POST", `/api/v1/groups/${gid}/actors/shell/start`);
    await t.api("POST", `/api/v1/groups/${gid}/actors`, {
      id: "idle",
      runtime: "custom",
      command: ["node", `${AGENTS}/shell-agent.mjs`],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test("opens a running actor's terminal, types into it, follows a restart", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    page.setDefaultTimeout(8_000);
    const crashes: string[] = [];
    page.on("pageerror", (error) => crashes.push(error.message));
    try {
      await page.goto(`${t.daemon.url}?group=${gid}`);
      await page.getByRole("button", { name: "Terminal of shell" }).click();
      expect(await page.getByRole("tab", { name: "shell" }).getAttribute("aria-selected")).toBe("true");
      await waitForScreen(page, /term\$/);
      await page.locator(".terminal-pane").getByText("Live", { exact: true }).waitFor();

      await page.locator(".terminal-pane .xterm-helper-textarea").focus();
      await page.keyboard.type('echo hello-""web');
      await page.keyboard.press("Enter");
      await waitForScreen(page, /hello-web/);

      // The PTY took the size of the panel, not its 120x40 default.
      await page.keyboard.type("stty size");
      await page.keyboard.press("Enter");
      const size = /(\d+) (\d+)\s*term\$/.exec(await waitForScreen(page, /\d+ \d+\s*term\$/));
      expect(size?.slice(1, 3)).not.toEqual(["40", "120"]);
      await page.screenshot({ path: "/tmp/cccc-ui-terminal.png" });

      // Restart: the old process ends, the view reconnects to the new one on its own.
      await t.api("POST", `/api/v1/groups/${gid}/actors/shell/restart`);
      await waitForScreen(page, /^(?!.*hello-web).*shell-agent ready/s, 15_000);
      await page.locator(".terminal-pane .xterm-helper-textarea").focus();
      await page.keyboard.type("echo again-$((1+1))");
      await page.keyboard.press("Enter");
      await waitForScreen(page, /again-2/);

      // A stopped actor's tab says so, and shows the terminal once the actor is started.
      await page.getByRole("tab", { name: "idle" }).click();
      await page
        .locator(".terminal-pane")
        .getByText(/^Not running/)
        .waitFor();
      await t.api("POST", `/api/v1/groups/${gid}/actors/idle/start`);
      await waitForScreen(page, /shell-agent ready/, 10_000);

      // Back to the chat; it was kept mounted.
      await page.getByRole("tab", { name: "Chat" }).click();
      await page.getByRole("region", { name: "Chat" }).waitFor();
      expect(crashes).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
