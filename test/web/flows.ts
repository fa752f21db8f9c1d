/** The user journeys both the double-backed and the daemon-backed tests walk through. */
import type { Page } from "playwright-core";
import { expect } from "vitest";

export const GROUP_TITLE = "支付服务 demo";
export const MESSAGE = "你好 foreman — please check the build\nsecond line stays a line";
export const APP_KEY = "dingtest_app_key";
export const APP_SECRET = "s3cr3t-never-shown";

export async function createGroup(page: Page): Promise<void> {
  await page.getByRole("button", { name: "New group" }).click();
  const dialog = page.getByRole("dialog", { name: "New group" });
  await dialog.getByLabel("Title").fill(GROUP_TITLE);
  await dialog.getByRole("button", { name: "Create group" }).click();
  await expect.poll(() => page.getByLabel("Group", { exact: true }).inputValue()).not.toBe("");
  expect(await page.getByLabel("Group", { exact: true }).locator("option:checked").textContent()).toContain(
    GROUP_TITLE,
  );
}

export async function addCustomActor(page: Page, id: string, command: string): Promise<void> {
  const form = page.getByRole("form", { name: "Add actor" });
  await form.getByLabel("Actor id").fill(id);
  await form.getByLabel("Runtime").selectOption("custom");
  await form.getByLabel("Command").fill(command);
  await form.getByLabel("Runner").selectOption("headless");
  await form.getByRole("button", { name: "Add actor" }).click();
  const row = page.locator(`[data-actor="${id}"]`);
  await row.waitFor();
  expect(await row.textContent()).toContain("foreman");
  expect(await row.textContent()).toContain("custom");
}

/** Sends through the composer and waits for the message to come back through the SSE stream. */
export async function sendMessage(page: Page): Promise<void> {
  expect(await page.getByLabel("Recipient").inputValue()).toBe("@foreman");
  await page.getByLabel("Message", { exact: true }).fill(MESSAGE);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const message = page.locator(".message", { hasText: "second line stays a line" });
  await message.waitFor({ timeout: 10_000 });
  // Newlines are preserved (markdown line breaks), sender and recipients are shown.
  expect(await message.locator(".message-text br").count()).toBe(MESSAGE.split("\n").length - 1);
  expect(((await message.locator(".message-text").textContent()) ?? "").trim()).toBe(
    MESSAGE.replace(/\n/g, ""),
  );
  expect((await message.locator(".message-meta").textContent()) ?? "").toContain("@foreman");
  expect(await page.getByLabel("Message", { exact: true }).inputValue()).toBe("");
}

/** Option A of the DingTalk guide: Settings (gear) → IM Bridge tab → DingTalk. */
export async function openImBridge(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Settings" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("tab", { name: "IM Bridge" }).click();
  await dialog.getByLabel("Platform").selectOption("dingtalk");
}

/** Types the given credentials (empty = keep the stored one), clicks Save Config, returns the PUT body. */
export async function saveConfig(
  page: Page,
  credentials: { appKey?: string; appSecret?: string },
): Promise<Record<string, unknown>> {
  const dialog = page.getByRole("dialog");
  if (credentials.appKey) await dialog.getByLabel("App Key", { exact: true }).fill(credentials.appKey);
  if (credentials.appSecret)
    await dialog.getByLabel("App Secret", { exact: true }).fill(credentials.appSecret);
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith("/im/config")),
    dialog.getByRole("button", { name: "Save Config" }).click(),
  ]);
  expect(request.headers()["content-type"]).toBe("application/json");
  const body = request.postDataJSON() as Record<string, unknown>;
  expect(body).toMatchObject({ platform: "dingtalk", mode: "stream" });
  expect(body.app_key).toBe(credentials.appKey);
  expect(body.app_secret).toBe(credentials.appSecret);
  return body;
}

/** The IM status section's state once it settles on one of `states`. */
export async function imStateBecomes(page: Page, states: string[]): Promise<string> {
  const status = page.getByRole("region", { name: "Bridge status" });
  await expect
    .poll(async () => (await status.getAttribute("data-state")) ?? "", { timeout: 15_000 })
    .toSatisfy((s: string) => states.includes(s));
  return (await status.getAttribute("data-state")) ?? "";
}

/** Secret values must never be displayed back (DESIGN §4). */
export async function expectNoSecretShown(page: Page, secrets: string[]): Promise<void> {
  const dialog = page.getByRole("dialog");
  expect(await dialog.getByLabel("App Secret", { exact: true }).inputValue()).toBe("");
  expect(await dialog.getByLabel("App Key", { exact: true }).inputValue()).toBe("");
  const html = await page.content();
  for (const secret of secrets) expect(html).not.toContain(secret);
}
