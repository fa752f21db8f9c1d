/**
 * Issue 11 item 2: the daemon (a real subprocess) is killed with SIGKILL while a reply streams into
 * an AI card. After the restart the card left open is finalized "interrupted" (never stuck in
 * "processing"), the killed turn runs again, and its reply reaches the chat exactly once.
 */
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { FakeCard } from "../fakes/dingtalk/index.js";
import { waitFor } from "../support/cli.js";
import {
  type DaemonWorld,
  startDaemonWorld,
  startFakeBridge,
  subscribeChat,
} from "../support/daemon-process.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
const GROUP = { chat: "group" as const, conversationId: "cidCardsKill", conversationTitle: "kill" };

let world: DaemonWorld | undefined;
afterAll(() => world?.close());

interface LedgerLine {
  id: string;
  kind: string;
  by: string;
  data: { text?: string; reply_to?: string; stream_id?: string; source?: { message_id?: string } };
}

describe("daemon killed with SIGKILL while a reply streams into a card", () => {
  it("finalizes the open card as interrupted after the restart and delivers the reply once", async () => {
    world = await startDaemonWorld({
      homePrefix: "cccc-cards-kill-",
      fake: { redeliverAfterMs: null },
      title: "k",
      scope: AGENTS,
    });
    const { fake, daemon, gid } = world;
    const api = daemon.api;
    await api("POST", `/api/v1/groups/${gid}/actors`, {
      id: "lead",
      runtime: "claude",
      command: ["node", `${AGENTS}/stream-json-agent.mjs`],
    });
    await api("POST", `/api/v1/groups/${gid}/start`);
    await startFakeBridge(daemon, gid, fake);
    const texts = () => fake.sent.map((m) => JSON.stringify(m.msgParam));
    await subscribeChat(daemon, gid, fake, GROUP);

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
    await daemon.kill();
    expect(card.finalized).toBe(false); // left "processing" by the kill

    await daemon.start();
    await waitFor(() => card.finalized, 30_000, "the open card finalized after the restart");
    expect(card.failed).toBe(true);
    expect(card.finalText).toMatch(/^step1 [\s\S]*\n\n---\n⚠️ interrupted \(CCCC restarted\)$/);

    // The killed turn died with the daemon (the card says so), but its message was never marked
    // read: the restarted session runs it again, and the reply reaches the chat exactly once, as a
    // card with exactly its text.
    const ledger = () => daemon.ledger<LedgerLine>(gid);
    const asked = () => ledger().find((e) => e.data.source?.message_id === String(ask.msgId));
    const reply = await waitFor(
      () =>
        ledger().find((e) => e.kind === "chat.message" && e.by === "lead" && e.data.reply_to === asked()?.id),
      60_000,
      "the agent's reply to the message of the killed turn",
    );
    const text = reply.data.text ?? "";
    expect(text).toMatch(/^step1 step2 [\s\S]*step40 ?$/);
    // Settle: the reply's card is finished with exactly its text.
    await waitFor(
      () =>
        fake.cards.inGroup(GROUP.conversationId).find((c: FakeCard) => c.finalized && c.finalText === text),
      30_000,
      "the reply's card finished",
    );
    const replies = ledger().filter((e) => e.kind === "chat.message" && e.by === "lead");
    expect(replies).toHaveLength(1);
    const inCards = fake.cards.inGroup(GROUP.conversationId).filter((c: FakeCard) => c.finalText === text);
    const inMessages = texts().filter((s) => s.includes(JSON.stringify(text).slice(1, -1)));
    expect(inCards.length + inMessages.length).toBe(1);
    expect(inCards).toHaveLength(1);
    // Nothing of the killed turn went out as a message either.
    expect(texts().filter((s) => s.includes("step1 step2"))).toEqual([]);
  }, 180_000);
});
