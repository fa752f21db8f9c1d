/**
 * The Web UI's actor environment editor against the real daemon (`cccc daemon run`): variables and
 * a write-only secret set in the add-actor form and the Env dialog reach the running actor
 * (/proc/<pid>/environ); the daemon's DingTalk secret does not; no secret value reaches the page.
 * Screenshot: /tmp/cccc-ui-actor-env.png.
 */
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hasChromium, launchChromium } from "./browser.js";
import { daemonUnavailable, startDaemon } from "./daemon.js";
import { createGroup } from "./flows.js";
import { ensureWebBuilt } from "./setup.js";

const BOT_SECRET = "daemon-dingtalk-secret-ui-01";
const API_KEY = "sk-kimi-secret-ui-02";
const EXTRA = "extra-secret-ui-03";

describe.skipIf(!hasChromium || daemonUnavailable() !== null)("Web UI actor environment", () => {
  let browser: Browser;
  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  test("env rows in the add form and the Env dialog reach the actor; secrets stay write-only", async () => {
    const daemon = await startDaemon({ DINGTALK_APP_SECRET: BOT_SECRET });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    const crashes: string[] = [];
    page.on("pageerror", (error) => crashes.push(error.message));
    try {
      await page.goto(`${daemon.url}/`);
      await page.getByRole("heading", { name: "Welcome to CCCC" }).waitFor();
      await createGroup(page);

      const form = page.getByRole("form", { name: "Add actor" });
      await form.getByLabel("Actor id").fill("kimi");
      await form.getByLabel("Runtime").selectOption("custom");
      await form.getByLabel("Command").fill("sleep 600");
      await form.getByLabel("Runner").selectOption("headless");
      await form.getByRole("button", { name: "Add variable" }).click();
      await form.getByRole("button", { name: "Add variable" }).click();
      const names = form.getByLabel("Variable name");
      await names.nth(0).fill("ANTHROPIC_BASE_URL");
      await form.getByLabel("Value of ANTHROPIC_BASE_URL").fill("https://api.moonshot.cn/anthropic");
      await names.nth(1).fill("ANTHROPIC_API_KEY");
      await form.getByRole("checkbox").nth(1).check();
      await form.getByLabel("Value of ANTHROPIC_API_KEY").fill(API_KEY);
      expect(await form.getByLabel("Value of ANTHROPIC_API_KEY").getAttribute("type")).toBe("password");
      await form.getByRole("button", { name: "Add actor" }).click();
      const row = page.locator('[data-actor="kimi"]');
      await row.waitFor();

      await page.getByRole("button", { name: "Environment of kimi" }).click();
      const dialog = page.getByRole("dialog", { name: "Environment of kimi" });
      const current = dialog.getByRole("region", { name: "Current variables" });
      await current.getByText("ANTHROPIC_API_KEY").waitFor();
      expect(await current.textContent()).toContain("https://api.moonshot.cn/anthropic");
      expect(await current.textContent()).toContain("secret ••••");
      expect(await dialog.getByRole("status").textContent()).toContain("Changes apply when kimi next starts");

      // A plain variable and a secret through the dialog, then remove the plain one again.
      const set = dialog.getByRole("form", { name: "Set variables" });
      await set.getByLabel("Variable name").fill("EXTRA_TOKEN");
      await set.getByRole("checkbox").check();
      await set.getByLabel("Value of EXTRA_TOKEN").fill(EXTRA);
      await set.getByRole("button", { name: "Add variable" }).click();
      await set.getByLabel("Variable name").nth(1).fill("MODEL_HINT");
      await set.getByLabel("Value of MODEL_HINT").fill("kimi-k2");
      await set.getByRole("button", { name: "Save variables" }).click();
      await current.getByText("MODEL_HINT").waitFor();
      await current.getByRole("button", { name: "Remove MODEL_HINT" }).click();
      await expect.poll(async () => (await current.textContent()) ?? "").not.toContain("MODEL_HINT");
      expect(await set.getByLabel("Variable name").inputValue()).toBe("");
      const html = await page.content();
      for (const secret of [API_KEY, EXTRA, BOT_SECRET]) expect(html).not.toContain(secret);
      await page.screenshot({ path: "/tmp/cccc-ui-actor-env.png" });
      await dialog.getByRole("button", { name: "Close" }).click();

      await row.getByRole("button", { name: "Start", exact: true }).click();
      const gid = (
        (await (await fetch(`${daemon.url}/api/v1/groups`)).json()) as {
          groups: { group_id: string }[];
        }
      ).groups[0]?.group_id;
      let pid: number | undefined;
      await expect
        .poll(
          async () => {
            const body = (await (await fetch(`${daemon.url}/api/v1/groups/${gid}/actors`)).json()) as {
              actors: { id: string; status: string; pid?: number }[];
            };
            pid = body.actors.find((a) => a.id === "kimi" && a.status === "running")?.pid;
            return pid;
          },
          { timeout: 15_000 },
        )
        .toBeTypeOf("number");
      // Until the forked child has exec'd, /proc shows the daemon's environment: wait for the actor's.
      let environ: string[] = [];
      await expect
        .poll(
          () => {
            environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
            return environ.includes("CCCC_ACTOR_ID=kimi");
          },
          { timeout: 15_000 },
        )
        .toBe(true);
      expect(environ).toContain(`ANTHROPIC_API_KEY=${API_KEY}`);
      expect(environ).toContain("ANTHROPIC_BASE_URL=https://api.moonshot.cn/anthropic");
      expect(environ).toContain(`EXTRA_TOKEN=${EXTRA}`);
      expect(environ.some((kv) => kv.startsWith("MODEL_HINT="))).toBe(false);
      expect(environ.some((kv) => kv.includes(BOT_SECRET))).toBe(false);

      await page.getByRole("button", { name: "Environment of kimi" }).click();
      await expect
        .poll(async () => (await dialog.getByRole("status").textContent()) ?? "")
        .toContain("restart it to apply changes");
      expect(crashes).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: "/tmp/cccc-ui-actor-env-failed.png" }).catch(() => {});
      throw new Error(`${(error as Error).message}\n--- daemon output ---\n${daemon.output()}`);
    } finally {
      await page.close();
      await daemon.stop();
    }
  }, 120_000);
});
