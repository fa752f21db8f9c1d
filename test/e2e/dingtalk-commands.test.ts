import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { robotSign } from "../../src/im/dingtalk/webhook-crypto.js";
import type { LedgerEvent } from "../../src/kernel/types.js";
import {
  AGENTS,
  type BridgeWorld,
  configureAndStart,
  IM_SET_DINGTALK,
  startBridgeWorld,
} from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const CHAT = {
  chat: "direct" as const,
  conversationId: "cid-cmds",
  senderNick: "王五",
  senderStaffId: "staff-wang",
};
const agent = ["node", `${AGENTS}/echo-agent.mjs`];

let w: BridgeWorld;

/** An agent's message written straight to the ledger, as an agent's `cccc send` would. */
async function agentSays(by: string, text: string, to: string[] = ["user"]): Promise<LedgerEvent> {
  const r = await w.t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${w.gid}/send`, { by, text, to });
  return r.body.event;
}

const sentCount = () => w.fake.sent.length;

/** Nothing matching `pattern` was sent (checked after a later marker message proves delivery ran). */
function neverSent(pattern: RegExp): boolean {
  return !w.sentText().some((s) => pattern.test(s));
}

beforeAll(async () => {
  w = await startBridgeWorld([
    { id: "lead", runtime: "custom", command: agent },
    { id: "reviewer", runtime: "custom", command: agent, title: "Reviewer" },
  ]);
  await configureAndStart(w);
  await w.t.api("POST", `/api/v1/groups/${w.gid}/start`);
  await w.subscribe(CHAT);
});
afterAll(() => w?.close());

describe("DingTalk commands and message types end to end", () => {
  it("/help answers with an ActionCard whose buttons send commands", async () => {
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/help" }));
    const card = await waitFor(
      () =>
        w.fake.sent.find(
          (m) => /actionCard/i.test(m.msgKey) && JSON.stringify(m.msgParam).includes("/status"),
        ),
      20_000,
      "help card",
    );
    expect(JSON.stringify(card.body)).toContain("dtmd://dingtalkclient/sendMessage");
  });

  it("/pause holds agent messages back and /resume says how many", async () => {
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/pause" }));
    await w.waitSent(/Paused/, "pause reply");
    await agentSays("lead", "while you were away 1");
    await agentSays("lead", "while you were away 2");
    // The bridge counts held-back messages as its outbound follower reaches them: resume only then.
    await waitFor(
      async () => {
        const r = await w.t.api<{ chats: { chat_id: string; held_back: number }[] }>(
          "GET",
          `/api/v1/groups/${w.gid}/im/authorized`,
        );
        return r.body.chats.find((c) => c.chat_id === CHAT.conversationId && c.held_back >= 2);
      },
      20_000,
      "both messages held back",
    );
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/resume" }));
    await w.waitSent(/2 agent messages were held back/, "resume reply with the count");
    expect(neverSent(/while you were away/)).toBe(true);
    await agentSays("lead", "back in business");
    await w.waitSent(/back in business/, "delivery after resume");
  });

  it("/verbose shows agent-to-agent messages only while on", async () => {
    await agentSays("lead", "internal note one", ["reviewer"]);
    await agentSays("lead", "marker one");
    await w.waitSent(/marker one/, "marker one");
    expect(neverSent(/internal note one/)).toBe(true);
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/verbose" }));
    await w.waitSent(/Verbose mode: on/, "verbose on");
    await agentSays("lead", "internal note two", ["reviewer"]);
    await w.waitSent(/internal note two/, "agent-to-agent in verbose");
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/verbose off" }));
    await w.waitSent(/Verbose mode: off/, "verbose off");
  });

  it("chooses markdown, link and text, and splits long messages losslessly", async () => {
    await agentSays("lead", "## Plan\n\n- fix the **login** bug\n- add tests");
    const md = await waitFor(
      () =>
        w.fake.sent.find(
          (m) => m.msgKey.toLowerCase().includes("markdown") && JSON.stringify(m.msgParam).includes("login"),
        ),
      20_000,
      "markdown message",
    );
    expect(JSON.stringify(md.msgParam)).toMatch(/"title":"[^"]*Plan/);
    await agentSays("lead", "https://code.example.com/pr/42");
    await waitFor(
      () => w.fake.sent.find((m) => m.msgKey.toLowerCase().includes("link")),
      20_000,
      "link card",
    );
    const before = sentCount();
    const paragraphs = Array.from({ length: 60 }, (_, i) => `第${i}段：${"内容".repeat(60)}`);
    await agentSays("lead", paragraphs.join("\n\n"));
    const parts = await waitFor(
      () => {
        const texts = w
          .sentText()
          .slice(before)
          .filter((s) => /第\d+段/.test(s));
        return texts.length > 1 && texts.some((s) => s.includes("第59段")) ? texts : undefined;
      },
      20_000,
      "all parts of the long message",
    );
    expect(parts[0]).toMatch(/\(1\/\d+\)/);
    for (const p of paragraphs) expect(parts.some((s) => s.includes(p))).toBe(true);
  });

  it("shows 🤔 while the agent works and 🥳 when its reply is delivered", async () => {
    const before = w.fake.emotions.length;
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/send think about it" }));
    await w.waitSent(/echo: think about it/, "the agent's answer");
    const names = await waitFor(
      () => {
        const list = w.fake.emotions.slice(before).map((e) => `${e.action}:${JSON.stringify(e.body)}`);
        return list.some((s) => s.includes("🥳")) ? list : undefined;
      },
      20_000,
      "the 🥳 reaction",
    );
    expect(names.some((s) => s.includes("🤔"))).toBe(true);
  });

  it("/unsubscribe stops delivery to the chat", async () => {
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/unsubscribe" }));
    await w.waitSent(/nsubscribed/, "unsubscribe reply");
    await agentSays("lead", "nobody should see this");
    const other = {
      chat: "direct" as const,
      conversationId: "cid-other",
      senderNick: "赵六",
      senderStaffId: "staff-zhao",
    };
    await w.subscribe(other);
    await agentSays("lead", "second marker");
    await waitFor(
      () => w.sentText().filter((s) => s.includes("second marker")).length === 1,
      20_000,
      "marker",
    );
    expect(neverSent(/nobody should see this/)).toBe(true);
  });
});

describe("HTTP mode", () => {
  let h: BridgeWorld;
  beforeAll(async () => {
    h = await startBridgeWorld([{ id: "lead", runtime: "custom", command: agent }]);
    await h.cli([...IM_SET_DINGTALK, "--mode", "http"]);
    await h.cli(["im", "start"]);
  });
  afterAll(() => h?.close());

  const post = (body: object, headers: Record<string, string>) =>
    fetch(new URL(`webhooks/dingtalk/${h.gid}`, h.t.daemon.url), {
      method: "POST",
      headers: { "content-type": "application/json", host: "public.example.com", ...headers },
      body: JSON.stringify(body),
    });

  it("accepts signed callbacks and refuses unsigned or forged ones", async () => {
    const payload = h.fake.robotMessage({ chat: "direct", conversationId: "cid-http", text: "/subscribe" });
    const timestamp = String(Date.now());
    const forged = await post(payload, { timestamp, sign: robotSign(timestamp, "not-the-secret") });
    expect(forged.status).toBe(401);
    expect((await post(payload, {})).status).toBe(401);
    const ok = await post(payload, { timestamp, sign: robotSign(timestamp, h.fake.app.appSecret) });
    expect(ok.status).toBe(200);
    await h.waitSent(/--key/, "the key reply over HTTP mode");
    // The same signed request again is a replay (issue 15): refused, and the message is not re-handled.
    const again = await post(payload, { timestamp, sign: robotSign(timestamp, h.fake.app.appSecret) });
    expect(again.status).toBe(409);
    expect(h.sentText().filter((s) => /--key/.test(s)).length).toBe(1);
    expect(h.fake.liveConnections().length).toBe(0);
  });
});
