/**
 * A streamed reply in the Web UI (Chromium), against the real daemon in-process serving web/dist and
 * a structured actor speaking stream-json (the scripted CLI): the reply grows live with the actor's
 * activity line above it before any final message exists; Stop ends it and the kept partial reply
 * lands as a normal message. Messages render as sanitized markdown (tables, code, Chinese text).
 * Screenshots: /tmp/cccc-ui-stream.png (live), /tmp/cccc-ui-markdown.png.
 */
import { resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { hasChromium, launchChromium } from "./browser.js";
import { ensureWebBuilt } from "./setup.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
/** The browser's window, as far as these tests use it (the test code is typed for Node). */
type Styled = { getComputedStyle(e: unknown): { color: string } };

describe.skipIf(!hasChromium)("Web UI streamed replies", () => {
  let browser: Browser;
  let t: TestDaemon;
  let gid: string;
  const path = (s = "") => `/api/v1/groups/${gid}${s}`;
  const replies = async () =>
    (await t.api<{ events: LedgerEvent[] }>("GET", path("/ledger?after=0"))).body.events.filter(
      (e) => e.kind === "chat.message" && e.by === "lead",
    );

  beforeAll(async () => {
    ensureWebBuilt();
    [browser, t] = await Promise.all([launchChromium(), startTestDaemon()]);
    gid = (
      await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
        title: "流式 stream",
        scope: AGENTS,
      })
    ).body.group.group_id;
    await t.api("POST", path("/actors"), {
      id: "lead",
      runtime: "claude",
      command: ["node", `${AGENTS}/stream-json-agent.mjs`],
    });
    await t.api("POST", path("/start"));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test("a reply grows live with its activity line, before the final message; Stop keeps the partial reply", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(15_000);
    const crashes: string[] = [];
    page.on("pageerror", (error) => crashes.push(error.message));
    try {
      await page.goto(`${t.daemon.url}?group=${gid}`);
      await page.getByText("Live", { exact: true }).waitFor();
      await t.api("POST", path("/send"), { text: "a slow one, 慢慢来", to: ["lead"] });
      const live = page.locator(".message.streaming");
      await live.getByText(/part3/).waitFor();
      expect(await live.locator(".stream-activity").textContent()).toBe("running npm test");
      // Partial text is on screen while the ledger holds no reply yet.
      expect(await replies()).toHaveLength(0);
      await page.screenshot({ path: "/tmp/cccc-ui-stream.png" });
      await live.getByRole("button", { name: "Stop" }).click();
      await page.locator(".message.streaming").waitFor({ state: "detached" });
      const final = page.locator(".message", { hasText: "part1" }).last();
      expect(await final.locator("em").textContent()).toBe("(interrupted)");
      expect(await replies()).toHaveLength(1);
      expect(crashes).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  test("messages render as sanitized markdown", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(15_000);
    try {
      await page.goto(`${t.daemon.url}?group=${gid}`);
      const text = [
        "**构建结果**：通过 ✅",
        "",
        "| 模块 | 状态 |",
        "| --- | --- |",
        "| web | ok |",
        "",
        "```ts",
        "const x = 1; // 注释",
        "```",
        "",
        "```brainfuck",
        "<b>not html</b>",
        "```",
        "",
        '<img src=x onerror="window.__pwned=1"> [docs](https://example.com/a)',
      ].join("\n");
      await t.api("POST", path("/send"), { text, to: ["@all"] });
      const msg = page.locator(".message", { hasText: "构建结果" }).last();
      await msg.locator("table").waitFor();
      expect(await msg.locator("strong").first().textContent()).toBe("构建结果");
      // Code blocks are highlighted (highlight.js spans) when their language is known; others stay plain.
      const ts = msg.locator("pre code.language-ts");
      expect(await ts.textContent()).toContain("const x = 1; // 注释");
      expect(await ts.locator("span.hljs-keyword").first().textContent()).toBe("const");
      expect(await ts.locator("span.hljs-comment").textContent()).toBe("// 注释");
      const keywordColor = await ts
        .locator("span.hljs-keyword")
        .first()
        .evaluate((e) => (globalThis as unknown as Styled).getComputedStyle(e).color);
      expect(keywordColor).not.toBe(
        await ts.evaluate((e) => (globalThis as unknown as Styled).getComputedStyle(e).color),
      );
      const plain = msg.locator("pre code").last();
      expect(await plain.textContent()).toContain("<b>not html</b>");
      expect(await plain.locator("b").count()).toBe(0);
      expect(await msg.locator("a", { hasText: "docs" }).getAttribute("rel")).toBe("noopener noreferrer");
      expect(await msg.locator("img").getAttribute("onerror")).toBeNull();
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      await page.screenshot({ path: "/tmp/cccc-ui-markdown.png" });
    } finally {
      await page.close();
    }
  }, 60_000);
});
