/**
 * Item 1: durable inbound before ack. A robot message is journaled (fdatasync) before the Stream
 * ack; a process SIGKILLed after the ack but before the ledger append loses nothing — the next start
 * replays it, and it lands in the ledger exactly once (also when DingTalk re-pushes it afterwards).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InboundJournal } from "../../src/im/transport/inbound-journal.js";
import { tempHome } from "../support/home.js";
import { startTransportWorld, type TransportWorld, waitFor } from "./transport-support.js";

const CHILD = resolve(import.meta.dirname, "transport-journal-child.mjs");
const DIRECT = {
  chat: "direct" as const,
  conversationId: "cid-journal",
  senderNick: "张三",
  senderStaffId: "u1",
};

describe("inbound journal file", () => {
  const tmp = tempHome("cccc-journal-");
  afterAll(() => tmp.cleanup());

  it("keeps entries not marked done across reopen, skips a torn last line, compacts done ones", () => {
    const path = join(tmp.dir, "j.jsonl");
    const j = new InboundJournal(path, () => {}, { compactAfterLines: 50 });
    j.record("a", '{"msgId":"a"}');
    j.record("b", '{"msgId":"b"}');
    j.done("a");
    j.close();
    appendFileSync(path, '{"t":"in","id":"c","da'); // crash mid-write
    const logs: string[] = [];
    const j2 = new InboundJournal(path, (l) => logs.push(l), { compactAfterLines: 50 });
    expect(j2.pending().map((e) => e.id)).toEqual(["b"]);
    expect(logs.join("\n")).toContain("skipped 1 unreadable line");
    // Bounded: 1000 handled messages never leave more than ~compactAfterLines lines behind.
    for (let i = 0; i < 1000; i++) {
      j2.record(`m${i}`, `{"msgId":"m${i}","text":"${"x".repeat(200)}"}`);
      j2.done(`m${i}`);
    }
    j2.close();
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean).length;
    expect(lines).toBeLessThanOrEqual(51);
    expect(statSync(path).size).toBeLessThan(50 * 300);
    expect(new InboundJournal(path).pending().map((e) => e.id)).toEqual(["b"]);
  });
});

describe("a daemon killed between the ack and the ledger append", () => {
  let w: TransportWorld;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill("SIGKILL");
    await w?.close();
  });

  it("replays the journaled message on restart: exactly once in the ledger", async () => {
    w = await startTransportWorld({ fake: { redeliverAfterMs: 1_000 } });
    const { fake } = w;
    await w.subscribe(DIRECT);
    // The daemon goes away; a bare adapter process takes the app key over on the same state dir.
    await w.t.close();
    const stateDir = join(w.home, "groups", w.gid, "state", "im");
    child = spawn(process.execPath, [CHILD, fake.apiBase, fake.app.appKey, fake.app.appSecret, stateDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      out += d;
    });
    await waitFor(() => out.includes("ready") && fake.liveConnections().length > 0, 15_000, "child adapter");
    const payload = fake.robotMessage({ ...DIRECT, text: "please do not lose me" });
    const msgId = String(payload.msgId);
    const pushId = fake.push(payload);
    await waitFor(() => out.includes(`got ${msgId}`), 10_000, "the child got the message");
    // Handed over while its batch is written; acked once durable: DingTalk will not re-push it.
    await waitFor(() => fake.acks.some((a) => a.messageId === pushId), 10_000, "the ack");
    child.kill("SIGKILL");
    await new Promise((r) => child?.once("exit", r));
    const redeliveriesBefore = fake.stream.redeliveries;

    // Restart the real daemon on the same home: the bridge auto-starts and replays the journal.
    await w.restart();
    await waitFor(() => w.ledgerCount(msgId) > 0, 20_000, "the replayed message in the ledger");
    expect(fake.stream.redeliveries).toBe(redeliveriesBefore); // it came from the journal, not DingTalk
    expect(w.bridgeLog()).toMatch(/replaying 1 message/);

    // DingTalk re-pushing the same msgId after the restart changes nothing (dedupe file + ledger).
    fake.push(payload);
    await waitFor(() => /duplicate message/.test(w.bridgeLog()), 10_000, "the duplicate to be dropped");
    // A second restart does not replay it again: it was marked done.
    await w.restart();
    await waitFor(() => fake.liveConnections().length > 0, 10_000, "reconnect");
    // A message pushed now is handled after anything the restart replayed (replay runs as the socket opens).
    const next = fake.robotMessage({ ...DIRECT, text: "after the second restart" });
    fake.push(next);
    await waitFor(() => w.ledgerCount(String(next.msgId)) > 0, 20_000, "a message after the second restart");
    expect(w.bridgeLog().match(/replaying \d+ message/g)).toHaveLength(1);
    expect(w.ledgerCount(msgId)).toBe(1);
    expect(w.ledgerTexts()).toContain("please do not lose me");
  }, 60_000);
});
