// Issue 15 item 2: HTTP mode refuses a replayed (timestamp, sign) pair, also with a forged body and
// also after a daemon restart. Through the daemon's real webhook route, a real bridge and the fake
// DingTalk (for the replies), with a captured pair 50 minutes old (inside the ±1 h window).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { robotSign } from "../../src/im/dingtalk/webhook-crypto.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { type FakeDingTalk, startFakeDingTalk } from "../fakes/dingtalk/index.js";
import { AGENTS, FAST_DELIVERY, IM_SET_DINGTALK } from "../support/bridge.js";
import { runCli, waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { tempHome } from "../support/home.js";

const CHAT = { chat: "direct" as const, conversationId: "cid-replay", senderNick: "赵六" };
const home = tempHome("cccc-replay-");
let fake: FakeDingTalk;
let t: TestDaemon;
let gid = "";
let env: NodeJS.ProcessEnv = {};

async function cli(args: string[]): Promise<string> {
  const r = await runCli([...args, "--group", gid], {
    ...env,
    CCCC_HOME: home.dir,
    DINGTALK_APP_KEY: fake.app.appKey,
    DINGTALK_APP_SECRET: fake.app.appSecret,
    DINGTALK_ROBOT_CODE: fake.app.appKey,
  });
  if (r.code !== 0) throw new Error(`cccc ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function post(body: object, timestamp: string, sign = robotSign(timestamp, fake.app.appSecret)) {
  return fetch(new URL(`webhooks/dingtalk/${gid}`, t.daemon.url), {
    method: "POST",
    headers: { "content-type": "application/json", host: "bot.example.com", timestamp, sign },
    body: JSON.stringify(body),
  });
}

async function userTexts(): Promise<string[]> {
  const r = await t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${gid}/ledger?tail=200`);
  return r.body.events
    .filter((e) => e.kind === "chat.message" && e.by === "user")
    .map((e) => String(e.data.text));
}

const sentText = () => fake.sent.map((m) => JSON.stringify(m.msgParam));

beforeAll(async () => {
  fake = await startFakeDingTalk();
  env = {
    CCCC_DELIVERY_TIMINGS: FAST_DELIVERY,
    CCCC_DINGTALK_API_BASE: fake.apiBase,
    CCCC_DINGTALK_OAPI_BASE: fake.oapiBase,
  };
  t = await startTestDaemon(env, home.dir);
  gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "replay", scope: AGENTS })
  ).body.group.group_id;
  await t.api("POST", `/api/v1/groups/${gid}/actors`, {
    id: "lead",
    runtime: "custom",
    runner: "headless",
    command: ["node", `${AGENTS}/file-agent.mjs`],
  });
  await cli([...IM_SET_DINGTALK, "--mode", "http"]);
  await cli(["im", "start"]);
  await t.api("POST", `/api/v1/groups/${gid}/start`);
  // Authorize the chat over HTTP mode, like a user would.
  const sub = await post(fake.robotMessage({ ...CHAT, text: "/subscribe" }), String(Date.now()));
  expect(sub.status).toBe(200);
  const keyText = await waitFor(() => sentText().find((s) => /--key [A-Za-z0-9]+/.test(s)), 20_000, "key");
  await cli(["im", "bind", "--key", /--key ([A-Za-z0-9]+)/.exec(keyText)?.[1] ?? ""]);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
  home.cleanup();
});

describe("HTTP mode replay protection", () => {
  it("a captured (timestamp, sign) with a forged body is refused, before and after a restart", async () => {
    const captured = String(Date.now() - 50 * 60_000);
    const genuine = await post(fake.robotMessage({ ...CHAT, text: "genuine hello" }), captured);
    expect(genuine.status).toBe(200);
    await waitFor(async () => (await userTexts()).includes("genuine hello"), 20_000, "the genuine message");

    const forged = fake.robotMessage({ ...CHAT, text: "/send @all forged order" });
    const replay = await post(forged, captured);
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { error: string }).error).toMatch(/replayed request/);
    // The exact same request again is refused too (not only a new body).
    expect((await post(fake.robotMessage({ ...CHAT, text: "genuine hello" }), captured)).status).toBe(409);

    await t.daemon.close();
    t = await startTestDaemon(env, home.dir); // the bridge is enabled: it starts with the daemon
    await waitFor(
      async () => (await post({}, "1")).status !== 503, // bridge up: the route answers (400/401), not 503
      20_000,
      "the HTTP-mode bridge after the restart",
    );
    const after = await post(forged, captured);
    expect(after.status).toBe(409);

    // A fresh signature still works, so the bridge was not just refusing everything.
    const fresh = await post(fake.robotMessage({ ...CHAT, text: "fresh after restart" }), String(Date.now()));
    expect(fresh.status).toBe(200);
    await waitFor(
      async () => (await userTexts()).includes("fresh after restart"),
      20_000,
      "the fresh message",
    );
    expect((await userTexts()).some((s) => s.includes("forged order"))).toBe(false);
    const log = await t.api<{ lines: string[] }>("GET", `/api/v1/groups/${gid}/im/logs?n=500`);
    expect(log.body.lines.filter((l) => /refused a replayed request/.test(l)).length).toBeGreaterThanOrEqual(
      3,
    );
  }, 90_000);
});
