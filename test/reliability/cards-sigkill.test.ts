/**
 * Issue 11 item 2: the daemon (a real subprocess) is killed with SIGKILL while a reply streams into
 * an AI card. After the restart the card left open is finalized "interrupted" (never stuck in
 * "processing"), and the reply reaches the chat exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type FakeCard, type FakeDingTalk, startFakeDingTalk } from "../fakes/dingtalk/index.js";
import { CLI, waitFor } from "../support/cli.js";
import { tempHome } from "../support/home.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
const GROUP = { chat: "group" as const, conversationId: "cidCardsKill", conversationTitle: "kill" };

let fake: FakeDingTalk;
let child: ChildProcess | undefined;
const home = tempHome("cccc-cards-kill-");
afterAll(async () => {
  child?.kill("SIGKILL");
  await fake?.close();
  home.cleanup();
});

async function startDaemon(env: NodeJS.ProcessEnv): Promise<string> {
  const proc = spawn(process.execPath, [CLI, "daemon", "run"], { env, stdio: "ignore" });
  child = proc;
  const endpoint = join(home.dir, "daemon", "endpoint.json");
  const ep = await waitFor(
    () => {
      try {
        const e = JSON.parse(readFileSync(endpoint, "utf8")) as { pid: number; port: number };
        return e.pid === proc.pid ? e : undefined;
      } catch {
        return undefined;
      }
    },
    20_000,
    "the daemon's endpoint.json",
  );
  return `http://127.0.0.1:${ep.port}`;
}

interface LedgerLine {
  id: string;
  kind: string;
  by: string;
  data: { text?: string; reply_to?: string; stream_id?: string; source?: { message_id?: string } };
}

describe("daemon killed with SIGKILL while a reply streams into a card", () => {
  it("finalizes the open card as interrupted after the restart and delivers the reply once", async () => {
    fake = await startFakeDingTalk({ redeliverAfterMs: null });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CCCC_HOME: home.dir,
      CCCC_PORT: "0",
      CCCC_DINGTALK_API_BASE: fake.apiBase,
      CCCC_DINGTALK_OAPI_BASE: fake.oapiBase,
    };
    let base = await startDaemon(env);
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return JSON.parse(text) as T;
    };
    const gid = (
      await api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "k", scope: AGENTS })
    ).group.group_id;
    await api("POST", `/api/v1/groups/${gid}/actors`, {
      id: "lead",
      runtime: "claude",
      command: ["node", `${AGENTS}/stream-json-agent.mjs`],
    });
    await api("POST", `/api/v1/groups/${gid}/start`);
    await api("PUT", `/api/v1/groups/${gid}/im/config`, {
      platform: "dingtalk",
      app_key: fake.app.appKey,
      app_secret: fake.app.appSecret,
      start: true,
    });
    await waitFor(() => fake.liveConnections().length > 0, 10_000, "stream connection");
    const texts = () => fake.sent.map((m) => JSON.stringify(m.msgParam));
    fake.push(fake.robotMessage({ ...GROUP, text: "/subscribe" }));
    const keyText = await waitFor(() => texts().find((s) => /--key [A-Z0-9]+/.test(s)), 20_000, "the key");
    await api("POST", `/api/v1/groups/${gid}/im/bind`, { key: /--key ([A-Z0-9]+)/.exec(keyText)?.[1] });

    const ask = fake.robotMessage({ ...GROUP, text: "/send steady please" });
    fake.push(ask);
    const card = await waitFor(
      () => {
        const c = fake.cards.inGroup(GROUP.conversationId)[0];
        return c && c.states.filter((s) => s.op === "stream").length >= 2 ? c : undefined;
      },
      30_000,
      "the card streaming",
    );
    child?.kill("SIGKILL");
    await new Promise<void>((r) =>
      child?.exitCode !== null || child?.signalCode !== null ? r() : child?.once("exit", () => r()),
    );
    expect(card.finalized).toBe(false); // left "processing" by the kill

    base = await startDaemon(env);
    await waitFor(() => card.finalized, 30_000, "the open card finalized after the restart");
    expect(card.failed).toBe(true);
    expect(card.finalText).toMatch(/^step1 [\s\S]*\n\n---\n⚠️ interrupted \(CCCC restarted\)$/);

    // The killed turn died with the daemon (the card says so); asked again, the reply reaches the
    // chat exactly once, as a card with exactly its text.
    const ledger = () =>
      readFileSync(join(home.dir, "groups", gid, "ledger.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as LedgerLine);
    const again = fake.robotMessage({ ...GROUP, text: "/send steady again" });
    fake.push(again);
    const asked = () => ledger().find((e) => e.data.source?.message_id === String(again.msgId));
    const reply = await waitFor(
      () =>
        ledger().find((e) => e.kind === "chat.message" && e.by === "lead" && e.data.reply_to === asked()?.id),
      60_000,
      "the agent's reply",
    );
    const text = reply.data.text ?? "";
    expect(text).toMatch(/^step1 step2 [\s\S]*step40 ?$/);
    // Settle: the done reaction marks the reply's delivery as finished.
    await waitFor(
      () => fake.emotions.find((e) => e.body.openMsgId === again.msgId && e.body.emotionName === "🥳"),
      30_000,
      "the done reaction",
    );
    const inCards = fake.cards.inGroup(GROUP.conversationId).filter((c: FakeCard) => c.finalText === text);
    const inMessages = texts().filter((s) => s.includes(JSON.stringify(text).slice(1, -1)));
    expect(inCards.length + inMessages.length).toBe(1);
    expect(inCards).toHaveLength(1);
    // Nothing of the killed turn went out as a message either.
    expect(texts().filter((s) => s.includes("step1 step2"))).toEqual([]);
  }, 180_000);
});
