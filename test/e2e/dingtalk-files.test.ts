import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Attachment, LedgerEvent } from "../../src/kernel/types.js";
import {
  AGENTS,
  type BridgeWorld,
  configureAndStart,
  startBridgeWorld,
  startChatWorld,
} from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const CHAT = { chat: "direct" as const, conversationId: "cid-files", senderNick: "李四" };
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let w: BridgeWorld;

// The daemon's DingTalk calls go through transport/http-pool.ts, never `fetch` (which loads undici,
// 5–10 MiB of the daemon's memory): in this process `fetch` is allowed only for the daemon's own API.
const realFetch = globalThis.fetch;
const fetchedOther: string[] = [];
function guardFetch(): void {
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.pathname.startsWith("/api/")) return realFetch(input, init);
    fetchedOther.push(url.toString());
    return Promise.reject(new Error(`fetch used for ${url.pathname}`));
  }) as typeof fetch;
}

async function userMessage(match: (e: LedgerEvent) => boolean, what: string): Promise<LedgerEvent> {
  return waitFor(
    async () =>
      (
        await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=100`)
      ).body.events.find((e) => e.kind === "chat.message" && e.by === "user" && match(e)),
    20_000,
    what,
  );
}

beforeAll(async () => {
  guardFetch();
  w = await startChatWorld("file-agent.mjs", CHAT, { maxFileMb: 1 });
});
afterAll(async () => {
  await w?.close();
  globalThis.fetch = realFetch;
});

describe("files both ways between DingTalk and agents", () => {
  it("a picture from DingTalk lands in the blob store byte-exact and reaches the agent", async () => {
    w.fake.push(w.fake.robotMessage({ ...CHAT, type: "picture", file: { bytes: PNG, mime: "image/png" } }));
    const event = await userMessage(
      (e) => (e.data.attachments as Attachment[]).length > 0,
      "the picture message",
    );
    const att = (event.data.attachments as Attachment[])[0];
    expect(att?.mime).toBe("image/png");
    expect(att?.sha256).toBe(sha(PNG));
    expect(readFileSync(join(w.t.home.groupDir(w.gid), att?.path ?? "")).equals(PNG)).toBe(true);
    await w.waitSent(new RegExp(`files seen: .*:image/png:${PNG.length}:ok`), "the agent saw the picture");
  });

  it("a file from DingTalk keeps its name; the agent's generated file and image go back", async () => {
    const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(5000, 7)]);
    w.fake.push(
      w.fake.robotMessage({
        ...CHAT,
        type: "file",
        fileName: "需求说明.pdf",
        file: { bytes: pdf, mime: "application/pdf" },
      }),
    );
    const event = await userMessage(
      (e) => (e.data.attachments as Attachment[]).some((a) => a.name === "需求说明.pdf"),
      "the file message",
    );
    const att = (event.data.attachments as Attachment[])[0];
    expect(att?.sha256).toBe(sha(pdf));
    await w.waitSent(/files seen: 需求说明\.pdf:application\/pdf:5009:ok/, "the agent saw the file");

    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/send please send files" }));
    await waitFor(() => w.fake.uploads.length >= 2, 20_000, "two uploads");
    const names = w.fake.uploads.map((u) => u.name).sort();
    expect(names).toEqual(["chart.png", "report.txt"]);
    expect(w.fake.uploads.find((u) => u.name === "chart.png")?.bytes.equals(PNG)).toBe(true);
    // The image goes as sampleImageMsg, or over the sessionWebhook as a markdown image of its media id (protocol §3.2).
    const chart = w.fake.uploads.find((u) => u.name === "chart.png");
    await waitFor(
      () =>
        w.fake.sent.find(
          (m) => m.msgKey === "sampleImageMsg" || JSON.stringify(m.msgParam).includes(`(${chart?.mediaId})`),
        ),
      20_000,
      "image message",
    );
    const file = await waitFor(
      () => w.fake.sent.find((m) => m.msgKey === "sampleFile"),
      20_000,
      "file message",
    );
    expect(file.msgParam).toMatchObject({ fileName: "report.txt" });
  });

  it("an oversize file gets a clear reply and the text still reaches the agent", async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    w.fake.push(
      w.fake.robotMessage({
        ...CHAT,
        type: "file",
        fileName: "huge.bin",
        file: { bytes: big, mime: "application/octet-stream" },
      }),
    );
    await w.waitSent(/huge\.bin.*larger than 1 MB/, "the too-large reply");
    const stored = readdirSync(join(w.t.home.groupDir(w.gid), "blobs"));
    expect(stored.some((name) => name.startsWith(sha(big)))).toBe(false);
  });

  it("a failed download is reported and loses nothing else", async () => {
    // A downloadCode the fake does not know: DingTalk answers with an error for it.
    w.fake.push(w.fake.robotMessage({ ...CHAT, type: "picture" }));
    await w.waitSent(/Could not download attachment/, "the download failure reply");
  });
});

describe("file transfer failures", () => {
  // Runs after the transfers above: every DingTalk call so far (token, Stream gateway, reactions,
  // sends, downloads, uploads) was made without `fetch`.
  it("the daemon made no DingTalk call through fetch", () => {
    expect(w.fake.requests.length).toBeGreaterThan(10);
    expect(fetchedOther).toEqual([]);
  });

  it("an agent file whose upload DingTalk refuses: the chat is told which file, the text still arrives", async () => {
    w.fake.fail("upload", "noPermission", 2);
    const before = w.sentText().length;
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/send please send files again" }));
    const text = await waitFor(
      () =>
        w
          .sentText()
          .slice(before)
          .find((s) => s.includes("could not be sent")),
      20_000,
      "the note about the refused upload",
    );
    expect(text).toMatch(/report\.txt could not be sent/);
    expect(text).toContain("files seen");
  });

  it("an expired download URL gives a clear reply and leaves nothing in the blob store", async () => {
    const e = await startBridgeWorld(
      [{ id: "lead", runtime: "custom", runner: "headless", command: ["node", `${AGENTS}/file-agent.mjs`] }],
      { downloadUrlTtlMs: -1 },
    );
    try {
      await configureAndStart(e);
      await e.t.api("POST", `/api/v1/groups/${e.gid}/start`);
      await e.subscribe(CHAT);
      e.fake.push(
        e.fake.robotMessage({
          ...CHAT,
          type: "file",
          fileName: "old.pdf",
          file: { bytes: PNG, mime: "application/pdf" },
        }),
      );
      await e.waitSent(/Could not download attachment "old\.pdf"/, "the expired-URL reply");
      const blobs = join(e.t.home.groupDir(e.gid), "blobs");
      const stored = existsSync(blobs) ? readdirSync(blobs) : [];
      expect(stored.filter((name) => name.startsWith(sha(PNG)))).toEqual([]);
    } finally {
      await e.close();
    }
  });
});
