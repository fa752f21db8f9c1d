/** /subscribe keys under pressure, through the fake DingTalk and the real CLI (issue 15, items 4 and 9). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENTS, type BridgeWorld, configureAndStart, startBridgeWorld } from "../support/bridge.js";
import { runCli, waitFor } from "../support/cli.js";

const WAITING = { chat: "direct" as const, conversationId: "cid-waiting-wangwu", senderNick: "王五" };
let w: BridgeWorld;

beforeAll(async () => {
  w = await startBridgeWorld([
    { id: "lead", runtime: "custom", command: ["node", `${AGENTS}/echo-agent.mjs`] },
  ]);
  await configureAndStart(w);
}, 120_000);
afterAll(() => w?.close());

const keyOf = (text: string) => /--key ([A-Za-z0-9]+)/.exec(text)?.[1] ?? "";

describe("/subscribe keys against a fake DingTalk", () => {
  it("61 other chats sending /subscribe do not push out a waiting chat's key", async () => {
    w.fake.push(w.fake.robotMessage({ ...WAITING, text: "/subscribe" }));
    const key = keyOf(await w.waitSent(/--key [A-Z0-9]+/, "the waiting chat's key"));
    for (let i = 0; i < 61; i++)
      w.fake.push(
        w.fake.robotMessage({ chat: "direct", conversationId: `cid-flood-${i}`, text: "/subscribe" }),
      );
    await waitFor(
      () => w.sentText().filter((s) => /--key [A-Z0-9]+/.test(s)).length >= 62,
      60_000,
      "62 key replies",
    );
    expect(w.sentText().some((s) => s.startsWith("⌛"))).toBe(false);
    expect(await w.cli(["im", "bind", "--key", key])).toContain("authorized and subscribed");
    await w.waitSent(/✅ Approved/, "the approval in the waiting chat");
  }, 120_000);

  it("cccc im bind with wrong keys is locked out after 5 attempts, with how long to wait", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await runCli(["im", "bind", "--key", `WRONGKEY${i}A`, "--group", w.gid], w.cliEnv);
      expect(r.stderr).toContain("is unknown or expired");
    }
    const locked = await runCli(["im", "bind", "--key", "WRONGKEY9A", "--group", w.gid], w.cliEnv);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/Too many attempts: 5 wrong keys in 10 minutes\. Wait 10 minutes/);
  }, 180_000); // six CLI processes: slow on a loaded machine
});
