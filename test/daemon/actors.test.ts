import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../src/kernel/types.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
const FAST = JSON.stringify({
  readyGraceMs: 100,
  readyMaxMs: 3000,
  preambleDelayMs: 100,
  submitDelayMs: 100,
});

let t: TestDaemon;
let gid: string;

const path = (suffix = "") => `/api/v1/groups/${gid}${suffix}`;

async function send(body: Record<string, unknown>): Promise<LedgerEvent> {
  const r = await t.api<{ event: LedgerEvent; error?: unknown }>("POST", path("/send"), body);
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.event;
}

/** The reply to `event`, waited for in the ledger. */
async function replyTo(event: LedgerEvent, by: string): Promise<LedgerEvent> {
  return waitFor(
    async () => {
      const { body } = await t.api<{ events: LedgerEvent[] }>("GET", path(`/ledger?after=${event.seq}`));
      return body.events.find(
        (e) => e.kind === "chat.message" && e.by === by && e.data.reply_to === event.id,
      );
    },
    20_000,
    `reply from ${by} to "${event.data.text}"`,
  );
}

async function actor(id: string) {
  const { body } = await t.api<{
    actors: { id: string; status: string; exit_code?: number; unread: number }[];
  }>("GET", path("/actors"));
  return body.actors.find((a) => a.id === id);
}

beforeAll(async () => {
  t = await startTestDaemon({ CCCC_DELIVERY_TIMINGS: FAST });
  gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "actors", scope: AGENTS })
  ).body.group.group_id;
  await t.api("POST", path("/actors"), {
    id: "lead",
    runtime: "custom",
    command: ["node", `${AGENTS}/echo-agent.mjs`],
  });
  await t.api("POST", path("/actors"), {
    id: "helper",
    runtime: "custom",
    runner: "headless",
    command: ["node", `${AGENTS}/inbox-agent.mjs`],
  });
  await t.api("POST", path("/actors"), {
    id: "late",
    runtime: "custom",
    command: ["node", `${AGENTS}/echo-agent.mjs`],
  });
  await t.api("POST", path("/start"));
  await t.api("POST", path("/actors/late/stop"));
});
afterAll(() => t?.close());

describe("actors as real processes", () => {
  it("types a message into the foreman's terminal and gets its answer via the cccc CLI", async () => {
    const sent = await send({ text: "what is 2+2?" });
    const reply = await replyTo(sent, "lead");
    expect(reply.data).toMatchObject({ to: ["user"], text: "echo: what is 2+2? (from user)" });
    expect((await actor("lead"))?.status).toBe("running");
  });

  it("a headless actor pulls its inbox and answers", async () => {
    const sent = await send({ text: "ping helper", to: ["helper"] });
    const reply = await replyTo(sent, "helper");
    expect(reply.data.text).toBe("headless got: ping helper");
  });

  it("@all reaches every running actor, @peers not the foreman", async () => {
    const all = await send({ text: "all hands", to: ["@all"] });
    await replyTo(all, "lead");
    await replyTo(all, "helper");
    const peers = await send({ text: "peers only", to: ["@peers"] });
    await replyTo(peers, "helper");
    const { body } = await t.api<{ events: LedgerEvent[] }>("GET", path(`/ledger?after=${peers.seq}`));
    expect(body.events.some((e) => e.by === "lead" && e.data.reply_to === peers.id)).toBe(false);
  });

  it("a message to a stopped actor waits in its inbox and is delivered after start", async () => {
    expect((await actor("late"))?.status).toBe("stopped");
    const before = (await actor("late"))?.unread ?? 0;
    const sent = await send({ text: "for later", to: ["late"] });
    expect((await actor("late"))?.unread).toBe(before + 1);
    await t.api("POST", path("/actors/late/start"));
    const reply = await replyTo(sent, "late");
    expect(reply.data.text).toBe("echo: for later (from user)");
    await waitFor(async () => (await actor("late"))?.unread === 0, 5000, "late's inbox marked read");
  });

  it("a system notice aimed at an actor is typed into its terminal, and no one else's", async () => {
    await t.daemon.ctx.kernel.group(gid).append("system.notify", "system", {
      kind: "im_file_too_large",
      priority: "normal",
      title: "report.zip was not sent",
      message: "It is over the 20 MB limit.",
      target_actor_id: "lead",
      im_visibility: "internal",
    });
    const terminal = (id: string) =>
      t.api<{ text: string }>("GET", path(`/actors/${id}/terminal`)).then((r) => r.body.text);
    await waitFor(async () => (await terminal("lead")).includes("report.zip was not sent"), 10_000, "notice");
    expect(await terminal("late")).not.toContain("report.zip");
  });

  it("an actor crash is recorded and shown", async () => {
    await t.api("POST", path("/actors"), {
      id: "crashy",
      runtime: "custom",
      command: ["sh", "-c", "sleep 0.3; exit 3"],
    });
    await t.api("POST", path("/actors/crashy/start"));
    const info = await waitFor(async () => {
      const a = await actor("crashy");
      return a?.status === "crashed" ? a : undefined;
    });
    expect(info.exit_code).toBe(3);
    const events = await waitFor(async () => {
      const { body } = await t.api<{ events: LedgerEvent[] }>("GET", path("/ledger?tail=10"));
      return body.events.some((e) => e.data.kind === "actor_crashed") ? body.events : undefined;
    });
    expect(events.find((e) => e.kind === "actor.exited")?.data).toMatchObject({
      actor_id: "crashy",
      status: "crashed",
      code: 3,
    });
    expect(events.find((e) => e.data.kind === "actor_crashed")).toMatchObject({ kind: "system.notify" });
  });
  it("an actor that exits with code 0 is shown as exited, with a calm notice, not a crash", async () => {
    await t.api("POST", path("/actors"), {
      id: "oneshot",
      runtime: "custom",
      command: ["sh", "-c", "sleep 0.3; exit 0"],
    });
    await t.api("POST", path("/actors/oneshot/start"));
    const info = await waitFor(async () => {
      const a = await actor("oneshot");
      return a?.status === "exited" ? a : undefined;
    });
    expect(info.exit_code).toBe(0);
    const events = await waitFor(async () => {
      const { body } = await t.api<{ events: LedgerEvent[] }>("GET", path("/ledger?tail=10"));
      return body.events.some((e) => e.data.kind === "actor_exited") ? body.events : undefined;
    });
    const mine = events.filter(
      (e) => e.data.actor_id === "oneshot" || JSON.stringify(e.data).includes("oneshot"),
    );
    expect(mine.find((e) => e.kind === "actor.exited")?.data).toMatchObject({
      actor_id: "oneshot",
      status: "exited",
      code: 0,
      restarting: false,
    });
    const notice = mine.find((e) => e.data.kind === "actor_exited");
    expect(notice?.data).toMatchObject({ priority: "normal", title: "Actor oneshot finished" });
    expect(JSON.stringify(notice?.data)).not.toMatch(/crash|unexpected/i);
    expect(mine.some((e) => e.data.kind === "actor_crashed")).toBe(false);
  });
});

describe("MCP registration", () => {
  it("registers the CCCC MCP server with claude before its first start", async () => {
    const bin = join(tmpdir(), `cccc-fake-claude-${process.pid}`);
    mkdirSync(bin, { recursive: true });
    const record = join(bin, "calls.txt");
    writeFileSync(join(bin, "claude"), `#!/bin/sh\necho "$@" >> "${record}"\n`, { mode: 0o755 });
    const d = await startTestDaemon({ PATH: `${bin}:${process.env.PATH}`, CCCC_DELIVERY_TIMINGS: FAST });
    try {
      const g = (
        await d.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
          title: "mcp",
          scope: AGENTS,
        })
      ).body.group.group_id;
      await d.api("POST", `/api/v1/groups/${g}/actors`, {
        id: "lead",
        runtime: "claude",
        command: ["node", `${AGENTS}/echo-agent.mjs`],
      });
      await d.api("POST", `/api/v1/groups/${g}/actors/lead/start`);
      await d.api("POST", `/api/v1/groups/${g}/actors/lead/restart`);
      const calls = readFileSync(record, "utf8").trim().split("\n");
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatch(/^mcp add -s user cccc -- \S+main\.cjs mcp$/);
    } finally {
      await d.close();
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
