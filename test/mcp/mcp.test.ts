import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { CLI } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
let gid: string;
let client: Client;
let scope: string;

type Result = { structuredContent?: Record<string, unknown>; isError?: boolean };

async function call(name: string, args: Record<string, unknown> = {}): Promise<Result> {
  return (await client.callTool({ name, arguments: args })) as Result;
}

beforeAll(async () => {
  t = await startTestDaemon();
  scope = mkdtempSync(join(tmpdir(), "cccc-mcp-scope-"));
  gid = (await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "mcp", scope })).body
    .group.group_id;
  await t.api("POST", `/api/v1/groups/${gid}/actors`, { id: "lead", runtime: "custom", command: "cat" });
  await t.api("POST", `/api/v1/groups/${gid}/actors`, { id: "peer1", runtime: "custom", command: "cat" });
  client = new Client({ name: "test", version: "1" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "mcp"],
      cwd: scope,
      env: {
        ...(process.env as Record<string, string>),
        CCCC_HOME: t.home.root,
        CCCC_GROUP_ID: gid,
        CCCC_ACTOR_ID: "peer1",
      },
    }),
  );
});
afterAll(async () => {
  await client?.close();
  await t?.close();
  rmSync(scope, { recursive: true, force: true });
});

describe("cccc mcp", () => {
  it("lists every tool", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual(
      [
        "cccc_approval_prompt",
        "cccc_blob_path",
        "cccc_file_read",
        "cccc_group_info",
        "cccc_help",
        "cccc_im_bind",
        "cccc_inbox_list",
        "cccc_inbox_mark_read",
        "cccc_message_reply",
        "cccc_message_send",
      ].sort(),
    );
  });

  it("reads the inbox, replies to the user and marks read", async () => {
    const sent = await t.api<{ event: LedgerEvent }>("POST", `/api/v1/groups/${gid}/send`, {
      text: "peer1, check this",
      to: ["peer1"],
    });
    const inbox = await call("cccc_inbox_list");
    const messages = inbox.structuredContent?.messages as LedgerEvent[];
    expect(messages.map((m) => m.id)).toEqual([sent.body.event.id]);

    const reply = await call("cccc_message_reply", {
      event_id: sent.body.event.id.slice(0, 8),
      text: "done",
    });
    expect(reply.isError).toBeFalsy();
    expect(reply.structuredContent?.to).toEqual(["user"]);
    const ledger = await t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`);
    expect(ledger.body.events[0]).toMatchObject({
      by: "peer1",
      data: { text: "done", reply_to: sent.body.event.id },
    });

    await call("cccc_inbox_mark_read");
    expect((await call("cccc_inbox_list")).structuredContent?.unread).toBe(0);
  });

  it("sends with attachments an agent can read back", async () => {
    writeFileSync(join(scope, "report.md"), "# Report\nall good\n");
    const sent = await call("cccc_message_send", {
      text: "report attached",
      to: "user",
      attachments: ["report.md"], // relative to the agent's working directory, the scope
    });
    expect(sent.isError).toBeFalsy();
    const ledger = await t.api<{ events: LedgerEvent[] }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`);
    const data = ledger.body.events[0]?.data as { attachments: { path: string; name: string }[] } | undefined;
    const att = data?.attachments[0];
    expect(att?.name).toBe("report.md");
    const read = await call("cccc_file_read", { path: att?.path });
    expect(read.structuredContent?.text).toBe("# Report\nall good\n");
    const where = await call("cccc_blob_path", { path: att?.path });
    expect(where.structuredContent?.path).toBe(join(t.home.root, "groups", gid, att?.path ?? ""));
    // Forwarding a received attachment works too.
    const again = await call("cccc_message_send", { text: "again", to: "user", attachments: [att?.path] });
    expect(again.isError).toBeFalsy();
  });

  it("refuses to attach files outside the group's scope, which the agent may not be allowed to read", async () => {
    const seqBefore = (await t.api<{ last_seq: number }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`)).body
      .last_seq;
    for (const path of ["/etc/passwd", join(t.home.root, "secrets"), "../../etc/passwd"]) {
      const r = await call("cccc_message_send", { text: "leak", to: "user", attachments: [path] });
      expect(r.isError).toBe(true);
      expect(r.structuredContent).toMatchObject({
        error: { code: "attachment_outside_scope" },
      });
    }
    const passwd = await call("cccc_message_send", {
      text: "leak",
      to: "user",
      attachments: ["/etc/passwd"],
    });
    expect(passwd.structuredContent).toMatchObject({ error: { code: "attachment_outside_scope" } });
    const seqAfter = (await t.api<{ last_seq: number }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`)).body
      .last_seq;
    expect(seqAfter).toBe(seqBefore);
  });

  it("reports bad arguments as tool errors with codes", async () => {
    const unknown = await call("cccc_message_send", { text: "x", to: "@nobody" });
    expect(unknown.isError).toBe(true);
    expect(unknown.structuredContent).toMatchObject({ error: { code: "unknown_recipient" } });
    const missing = await call("cccc_message_reply", { event_id: "ffffffff", text: "x" });
    expect(missing.structuredContent).toMatchObject({ error: { code: "event_not_found" } });
    const outside = await call("cccc_file_read", { path: "../group.yaml" });
    expect(outside.structuredContent).toMatchObject({ error: { code: "invalid_blob_path" } });
    const notForeman = await call("cccc_im_bind", { key: "abc" });
    expect(notForeman.structuredContent).toMatchObject({ error: { code: "foreman_only" } });
    const info = await call("cccc_group_info");
    const actors = (info.structuredContent?.actors ?? []) as { id: string; role: string }[];
    expect(actors.map((a) => a.role)).toEqual(["foreman", "peer"]);
  });
});
