import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Attachment, LedgerEvent } from "../../src/kernel/types.js";
import { type BridgeWorld, startChatWorld } from "../support/bridge.js";
import { runCli, waitFor } from "../support/cli.js";

/** Bad input in the bridge core: huge texts, empty and unknown messages, hostile file names, big agent files. */
const CHAT = { chat: "direct" as const, conversationId: "cid-bad-input", senderNick: "王五" };
let w: BridgeWorld;

const ledger = async (): Promise<LedgerEvent[]> =>
  (await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=200`)).body.events;
const userMessages = async () => (await ledger()).filter((e) => e.kind === "chat.message" && e.by === "user");

beforeAll(async () => {
  w = await startChatWorld("digest-agent.mjs", CHAT, { maxFileMb: 1 });
}, 60_000);
afterAll(() => w?.close());

describe("bad input in the bridge core", () => {
  it("a 1 MB text reaches the agent whole (spilled into message.txt), exactly once", async () => {
    const line = "第一行 line with ascii and 中文 0123456789\n";
    // (the decoder trims the text, so it ends without whitespace)
    const text = `${line.repeat(Math.ceil((1024 * 1024) / Buffer.byteLength(line)))}end`;
    const bytes = Buffer.byteLength(text);
    const sha = createHash("sha256").update(text).digest("hex").slice(0, 16);
    w.fake.push(w.fake.robotMessage({ ...CHAT, text }));
    await w.waitSent(
      new RegExp(`digest: ${bytes} bytes sha256 ${sha}`),
      "the agent's digest of the whole text",
    );
    const stored = (await userMessages()).filter((e) =>
      (e.data.attachments as Attachment[]).some((a) => a.name === "message.txt" && a.bytes === bytes),
    );
    expect(stored).toHaveLength(1);
    // nothing was cut, so the chat got no "cut" note
    expect(w.sentText().some((s) => s.includes("✂️"))).toBe(false);
  });

  it("an empty message and an unknown msgtype get a clear reply and forward nothing", async () => {
    const before = (await userMessages()).length;
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "   " }));
    await w.waitSent(/message was empty/, "the empty-message reply");
    const card = w.fake.robotMessage({ ...CHAT, text: "x" });
    card.msgtype = "interactiveCard";
    card.text = undefined;
    card.content = { unknownMsgType: "您收到了一条新消息，请升级钉钉版本查看" };
    w.fake.push(card);
    await w.waitSent(/message type \(interactiveCard\) is not supported yet/, "the unsupported-type reply");
    expect((await userMessages()).length).toBe(before);
  });

  it("hostile file names are stored inside blobs/ under safe names with a clean display name", async () => {
    const names = [
      "../../etc/passwd",
      "bad\u0000name\nwith\rbreaks.txt",
      `${"长".repeat(1000)}.pdf`,
      "CON",
      "报告 🎉👨‍👩‍👧.txt",
      "invoice\u202Etxt.exe",
      "..",
    ];
    const blobsDir = join(w.t.home.groupDir(w.gid), "blobs");
    for (const [i, fileName] of names.entries()) {
      const bytes = Buffer.from(`file ${i} ${fileName}`);
      w.fake.push(
        w.fake.robotMessage({ ...CHAT, type: "file", fileName, file: { bytes, mime: "text/plain" } }),
      );
      const sha = createHash("sha256").update(bytes).digest("hex");
      const event = await waitFor(
        async () =>
          (await userMessages()).find((e) =>
            (e.data.attachments as Attachment[]).some((a) => a.sha256 === sha),
          ),
        20_000,
        `the message with file #${i}`,
      );
      const att = (event.data.attachments as Attachment[])[0];
      if (!att) throw new Error("no attachment");
      // stored exactly once, inside blobs/, under [A-Za-z0-9._-] only
      expect(att.path).toMatch(/^blobs\/[0-9a-f]{64}_[A-Za-z0-9._-]{1,120}$/);
      expect(readFileSync(join(w.t.home.groupDir(w.gid), att.path)).equals(bytes)).toBe(true);
      // display name: no path, no control or bidi characters, bounded
      expect([...att.name].some((c) => c < " " || c === "/" || c === "\\" || c === "\u202e")).toBe(false);
      expect([...att.name].length).toBeLessThanOrEqual(200);
      expect(att.name).not.toMatch(/^\.+$/);
    }
    for (const f of readdirSync(blobsDir)) expect(f).toMatch(/^[0-9a-f]{64}_[A-Za-z0-9._-]+$/);
    const shown = (await userMessages()).flatMap((e) =>
      (e.data.attachments as Attachment[]).map((a) => a.name),
    );
    expect(shown).toContain("passwd");
    expect(shown).toContain("报告 🎉👨‍👩‍👧.txt");
    expect(shown.find((n) => n.endsWith(".pdf"))).toMatch(/^长+….pdf$/);
    // every file message is in the ledger once
    const withFiles = (await userMessages()).filter((e) => (e.data.attachments as Attachment[]).length > 0);
    const ids = withFiles.map((e) => (e.data.source as { message_id: string }).message_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("an agent's file over the limit: the chat gets a note and the agent an internal notice", async () => {
    const big = join(w.t.home.root, "build.tar");
    writeFileSync(big, Buffer.alloc(1536 * 1024, 7));
    const env = { ...w.cliEnv, CCCC_ACTOR_ID: "lead", CCCC_GROUP_ID: w.gid };
    const r = await runCli(
      ["send", "--to", "user", "--file", big, "the build is attached", "--group", w.gid],
      env,
    );
    expect(r.stderr).toBe("");
    await w.waitSent(
      /build\.tar \(1\.5 MB\) is over the 1 MB limit and was not sent/,
      "the note in the chat",
    );
    const notice = await waitFor(
      async () =>
        (await ledger()).find((e) => e.kind === "system.notify" && e.data.kind === "im_file_too_large"),
      10_000,
      "the notice to the agent",
    );
    expect(notice.data).toMatchObject({ target_actor_id: "lead", im_visibility: "internal", to: ["lead"] });
    expect(String(notice.data.message)).toMatch(/build\.tar.*1\.5 MB.*1572864 bytes.*over 1 MB/);
    expect(String(notice.data.message)).toMatch(/compress it or split it/);
    // the notice itself never reaches the chat
    expect(w.sentText().some((s) => s.includes("File not delivered to IM"))).toBe(false);
  });
});
