// Issue 15 item 1: platform URLs that redirect must pass the URL guard at every hop. Through the
// real daemon and bridge against the fake DingTalk, whose download URL and sessionWebhook answer
// with redirects to the daemon's own API.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Attachment, LedgerEvent } from "../../src/kernel/types.js";
import { type BridgeWorld, startChatWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const CHAT = { chat: "direct" as const, conversationId: "cid-redirect", senderNick: "王五" };
let w: BridgeWorld;

async function userMessage(text: string): Promise<LedgerEvent> {
  return waitFor(
    async () =>
      (
        await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=100`)
      ).body.events.find((e) => e.kind === "chat.message" && e.by === "user" && e.data.text === text),
    20_000,
    `the user message "${text}"`,
  );
}

async function actorStatuses(): Promise<string[]> {
  const res = await w.t.api<{ actors: { status: string }[] }>("GET", `/api/v1/groups/${w.gid}/actors`);
  return res.body.actors.map((a) => a.status);
}

const stopEvents = async () =>
  (await w.t.daemon.ctx.kernel.group(w.gid).ledger.tail(500)).filter(
    (e) => e.kind === "group.stopped" || e.kind === "actor.stopped",
  );

beforeAll(async () => {
  w = await startChatWorld("file-agent.mjs", CHAT);
  await waitFor(async () => (await actorStatuses()).every((s) => s === "running"), 20_000, "actors up");
});
afterAll(() => w?.close());

describe("redirects of platform URLs", () => {
  it("a download URL answering 302 to the daemon's own API: refused, told in the chat, nothing stored", async () => {
    const own = `${w.t.daemon.url}api/v1/groups/${w.gid}/ledger?tail=50`;
    w.fake.fail("file", { redirect: own, status: 302 });
    const secret = Buffer.from("the real file");
    w.fake.push(
      w.fake.robotMessage({
        ...CHAT,
        type: "file",
        fileName: "redirected.pdf",
        file: { bytes: secret, mime: "application/pdf" },
      }),
    );
    const reply = await w.waitSent(/Could not download attachment "redirected\.pdf"/, "the refusal reply");
    expect(reply).toMatch(/redirect .*(own API|unexpected host)/);
    const blobs = join(w.t.home.groupDir(w.gid), "blobs");
    for (const name of existsSync(blobs) ? readdirSync(blobs) : []) {
      expect(name).not.toMatch(/\.json$/); // the daemon's API answer never becomes a "file"
    }
    expect((await actorStatuses()).every((s) => s === "running")).toBe(true);
  });

  it("a sessionWebhook answering 307 to /api/v1/groups/<gid>/stop: refused, actors keep running, reply still delivered", async () => {
    const stop = `${w.t.daemon.url}api/v1/groups/${w.gid}/stop`;
    w.fake.fail("webhook", { redirect: stop, status: 307 });
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "hello after the trap" }));
    await userMessage("hello after the trap");
    // The webhook send is refused; the adapter falls back to the robot OpenAPI (direct chat send).
    const sent = await waitFor(
      () => w.fake.sent.find((m) => m.via === "users" && JSON.stringify(m.msgParam).includes("files seen")),
      20_000,
      "the reply over the OpenAPI fallback",
    );
    expect(sent).toBeTruthy();
    expect(w.fake.requests.some((r) => r.path === "/robot/sendBySession" && r.status === 307)).toBe(true);
    expect((await actorStatuses()).every((s) => s === "running")).toBe(true);
    expect(await stopEvents()).toEqual([]);
  });

  it("a redirect that stays on the configured DingTalk base is followed", async () => {
    const bytes = Buffer.from("%PDF-1.4 moved but fine");
    const payload = w.fake.robotMessage({
      ...CHAT,
      type: "file",
      fileName: "moved.pdf",
      file: { bytes, mime: "application/pdf" },
    });
    const content = payload.content as string | { downloadCode: string };
    const code = (typeof content === "string" ? JSON.parse(content) : content).downloadCode as string;
    const target = `/files/${w.fake.state.createDownloadUrl(code, 60_000)}`; // relative Location
    w.fake.fail("file", { redirect: target, status: 302 });
    w.fake.push(payload);
    const event = await waitFor(
      async () =>
        (
          await w.t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${w.gid}/ledger?tail=100`)
        ).body.events.find((e) =>
          ((e.data.attachments ?? []) as Attachment[]).some((a) => a.name === "moved.pdf"),
        ),
      20_000,
      "the redirected file",
    );
    const att = (event.data.attachments as Attachment[])[0];
    expect(att?.bytes).toBe(bytes.length);
  });
});
