import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
let gid: string;

beforeAll(async () => {
  t = await startTestDaemon();
  const created = await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "api" });
  gid = created.body.group.group_id;
  await t.api("POST", `/api/v1/groups/${gid}/actors`, { id: "lead", runtime: "custom", command: "cat" });
  await t.api("POST", `/api/v1/groups/${gid}/actors`, {
    id: "rev",
    runtime: "custom",
    command: ["cat"],
    title: "Reviewer",
  });
});
afterAll(() => t.close());

/** A raw request with a chosen Host header (fetch does not allow setting it). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<number> {
  const url = new URL(t.daemon.url);
  return new Promise((done, fail) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("error", fail);
    req.end(body);
  });
}

describe("HTTP API", () => {
  it("routes recipients: default foreman, titles, selectors", async () => {
    const a = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/send`, { text: "hi" });
    expect(a.body.event.data.to).toEqual(["@foreman"]);
    const b = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/send`, {
      text: "r",
      to: ["reviewer"],
    });
    expect(b.body.event.data.to).toEqual(["rev"]);
    const lead = await t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${gid}/inbox/lead`);
    expect(lead.body.events.map((e) => e.data.text)).toEqual(["hi"]);
    const rev = await t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${gid}/inbox/rev`);
    expect(rev.body.events.map((e) => e.data.text)).toEqual(["r"]);
  });

  it("agent broadcasts reach everyone but the sender, and replies go back to the sender", async () => {
    const sent = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/send`, {
      text: "all",
      by: "rev",
    });
    expect(sent.body.event.data.to).toEqual(["@all"]);
    const rev = await t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${gid}/inbox/rev`);
    expect(rev.body.events.map((e) => e.data.text)).not.toContain("all");
    const reply = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/reply`, {
      event_id: sent.body.event.id.slice(0, 8),
      text: "ack",
      by: "lead",
    });
    expect(reply.body.event.data).toMatchObject({ to: ["rev"], reply_to: sent.body.event.id });
  });

  it("a retried send with the same client_id returns the first event", async () => {
    const body = { text: "exactly once", by: "lead", to: ["user"], client_id: "lead-retry-1" };
    const first = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/send`, body);
    const again = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/send`, body);
    expect(again.body.event.id).toBe(first.body.event.id);
    const other = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/send`, {
      ...body,
      by: "rev",
    });
    expect(other.body.event.id).not.toBe(first.body.event.id);
    const { body: ledger } = await t.api<{ events: LedgerEvent[] }>(
      "GET",
      `/api/v1/groups/${gid}/ledger?tail=20`,
    );
    expect(ledger.events.filter((e) => e.data.text === "exactly once")).toHaveLength(2);
  });

  it("marks read and the unread count follows", async () => {
    const before = await t.api<{ actors: { id: string; unread: number }[] }>(
      "GET",
      `/api/v1/groups/${gid}/actors`,
    );
    expect(before.body.actors.find((a) => a.id === "lead")?.unread).toBeGreaterThan(0);
    await t.api("POST", `/api/v1/groups/${gid}/inbox/lead/read`, {});
    const after = await t.api<{ actors: { id: string; unread: number }[] }>(
      "GET",
      `/api/v1/groups/${gid}/actors`,
    );
    expect(after.body.actors.find((a) => a.id === "lead")?.unread).toBe(0);
  });

  it("gives clear JSON errors", async () => {
    const unknown = await t.api<{ error: { code: string; message: string } }>(
      "POST",
      `/api/v1/groups/${gid}/send`,
      {
        text: "x",
        to: ["@ghost"],
      },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("unknown_recipient");
    expect(unknown.body.error.message).toContain("lead");
    const missing = await t.api<{ error: { code: string } }>("GET", "/api/v1/groups/g_000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("group_not_found");
    const bad = await t.api<{ error: { code: string; message: string } }>(
      "POST",
      `/api/v1/groups/${gid}/actors`,
      {
        id: "x",
        runtime: "nope",
      },
    );
    expect(bad.body.error.message).toContain("runtime");
  });

  it("says what to do when a message is too large for a request", async () => {
    const huge = await t.api<{ error: { code: string; message: string } }>(
      "POST",
      `/api/v1/groups/${gid}/send`,
      {
        text: "x".repeat(9 * 1024 * 1024),
      },
    );
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toContain("send big content as a file");
  });

  it("refuses DNS rebinding and cross-site writes", async () => {
    expect(await rawRequest("GET", "/api/v1/health", { host: "evil.example:80" })).toBe(403);
    expect(await rawRequest("GET", "/api/v1/health", { host: new URL(t.daemon.url).host })).toBe(200);
    const body = JSON.stringify({ title: "x" });
    const json = { host: new URL(t.daemon.url).host, "content-type": "application/json" };
    expect(
      await rawRequest("POST", "/api/v1/groups", { ...json, origin: "https://evil.example" }, body),
    ).toBe(403);
    expect(
      await rawRequest("POST", "/api/v1/groups", { ...json, "sec-fetch-site": "cross-site" }, body),
    ).toBe(403);
    expect(
      await rawRequest("POST", "/api/v1/groups", { ...json, origin: t.daemon.url.slice(0, -1) }, body),
    ).toBe(200);
    // A text/plain "simple request" form post is not parsed at all.
    const plain = { host: new URL(t.daemon.url).host, "content-type": "text/plain" };
    expect(await rawRequest("POST", "/api/v1/groups", plain, body)).toBe(415);
  });

  it("streams the ledger over SSE, resuming after a seq", async () => {
    const ledger = await t.api<{ last_seq: number }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`);
    const after = ledger.body.last_seq - 1;
    const ctrl = new AbortController();
    const res = await fetch(new URL(`api/v1/groups/${gid}/stream?after=${after}`, t.daemon.url), {
      signal: ctrl.signal,
    });
    const reader = res.body?.getReader();
    await t.api("POST", `/api/v1/groups/${gid}/send`, { text: "live one" });
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes("live one") && reader) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    ctrl.abort();
    const seqs = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(seqs[0]).toBe(after + 1);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("a replay from 0 with events appended meanwhile yields every seq once, in order", async () => {
    const group = t.daemon.ctx.kernel.group(gid);
    const big = "z".repeat(20_000);
    await group.ledger.appendMany(
      Array.from({ length: 300 }, () => ({ kind: "system.notify", by: "system", data: { title: big } })),
    );
    const ctrl = new AbortController();
    const res = await fetch(new URL(`api/v1/groups/${gid}/stream?after=0`, t.daemon.url), {
      signal: ctrl.signal,
    });
    const appending = group.ledger.appendMany(
      Array.from({ length: 50 }, (_, i) => ({
        kind: "system.notify",
        by: "system",
        data: { title: `live ${i}` },
      })),
    );
    const last = (await appending).at(-1)?.seq ?? 0;
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (reader && !text.includes(`id: ${last}\n`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    ctrl.abort();
    const seqs = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });

  it("stores blobs content-addressed and serves them back", async () => {
    const bytes = Buffer.from("hello blob");
    const res = await fetch(
      new URL(`api/v1/groups/${gid}/blobs?name=${encodeURIComponent("../../报告.txt")}`, t.daemon.url),
      {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: bytes,
      },
    );
    const { attachment } = (await res.json()) as { attachment: { path: string; name: string; mime: string } };
    expect(attachment.name).toBe("报告.txt");
    expect(attachment.path).toMatch(/^blobs\/[0-9a-f]{64}_/);
    expect(attachment.mime).toBe("text/plain");
    const back = await fetch(new URL(`api/v1/groups/${gid}/blobs/${attachment.path.slice(6)}`, t.daemon.url));
    expect(Buffer.from(await back.arrayBuffer()).equals(bytes)).toBe(true);
    const outside = await fetch(new URL(`api/v1/groups/${gid}/blobs/..%2Fgroup.yaml`, t.daemon.url));
    expect(outside.status).toBe(400);
  });
});
