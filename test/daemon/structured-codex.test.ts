/**
 * A codex actor's structured session in the real daemon, with a scripted `codex app-server`
 * (test/fixtures/agents/codex-app-server-agent.mjs, same JSON-RPC lines): the reply streams and lands
 * once; interrupt goes out as turn/interrupt; a crash or a malformed line mid-turn fails the turn,
 * tells the sender, and the restarted process resumes the same thread; a thread Codex no longer
 * knows is replaced by a new one instead of a crash loop. The real CLI: test/e2e/real-codex-structured.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessageData, LedgerEvent } from "../../src/kernel/types.js";
import { waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { type Follower, follow } from "../support/stream-follower.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
const LOG = join(tmpdir(), `cccc-fake-codex-${process.pid}.log`);

let t: TestDaemon;
let gid: string;
let f: Follower;
const path = (suffix = "") => `/api/v1/groups/${gid}${suffix}`;

interface LogLine {
  method?: string;
  params?: { threadId?: string };
  thread?: string;
  via?: string;
}
const fakeLog = (): LogLine[] =>
  readFileSync(LOG, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as LogLine);
const stateFile = () => join(t.home.stateDir(gid), "actors", "lead.json");
const keptThread = () => (JSON.parse(readFileSync(stateFile(), "utf8")) as { session_id: string }).session_id;

async function send(text: string): Promise<LedgerEvent<ChatMessageData>> {
  const r = await t.api<{ event: LedgerEvent<ChatMessageData> }>("POST", path("/send"), {
    text,
    to: ["lead"],
  });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.event;
}

async function answers(to: LedgerEvent): Promise<LedgerEvent<ChatMessageData>[]> {
  const { body } = await t.api<{ events: LedgerEvent<ChatMessageData>[] }>(
    "GET",
    path(`/ledger?after=${to.seq}`),
  );
  return body.events.filter((e) => e.kind === "chat.message" && e.data.reply_to === to.id);
}

async function pid(): Promise<number | undefined> {
  const { body } = await t.api<{ actors: { id: string; status: string; pid?: number }[] }>(
    "GET",
    path("/actors"),
  );
  const a = body.actors.find((x) => x.id === "lead");
  return a?.status === "running" ? a.pid : undefined;
}

const streamOf = (msg: LedgerEvent) =>
  f
    .waitStream((i) => i.data.reply_to === msg.id, `a stream for "${msg.data.text}"`)
    .then((i) => i.data.stream_id);
const endOf = (sid: string) =>
  f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the stream's end", 20_000);

beforeAll(async () => {
  writeFileSync(LOG, "");
  t = await startTestDaemon({ FAKE_CODEX_LOG: LOG });
  gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "cx", scope: AGENTS })
  ).body.group.group_id;
  await t.api("POST", path("/actors"), {
    id: "lead",
    runtime: "codex",
    command: ["node", `${AGENTS}/codex-app-server-agent.mjs`],
  });
  await t.api("POST", path("/start"));
  f = await follow(t.daemon.url, gid);
});
afterAll(async () => {
  f?.close();
  await t?.close();
});

describe("codex structured session (scripted app-server)", () => {
  it("streams the reply and posts the final text once, with reply_to and the stream_id", async () => {
    const msg = await send("hello codex");
    const sid = await streamOf(msg);
    const end = await endOf(sid);
    expect(end.data).toMatchObject({ state: "done", text: "echo: hello codex" });
    expect(f.streams(sid).some((i) => i.data.activity === "running ls")).toBe(true);
    const replies = await waitFor(async () => (await answers(msg))[0], 10_000, "the reply");
    expect(replies.data).toMatchObject({ text: "echo: hello codex", to: ["user"], stream_id: sid });
    const turn = fakeLog().find((l) => l.method === "turn/start");
    expect(turn?.params?.threadId).toBe(keptThread());
  });

  it("interrupt sends turn/interrupt and keeps the partial reply", async () => {
    const msg = await send("a slow one");
    const sid = await streamOf(msg);
    await f.waitStream((i) => i.data.stream_id === sid && i.data.text.includes("part2"), "partial text");
    const r = await t.api<{ interrupted: boolean }>("POST", path("/actors/lead/interrupt"));
    expect(r.body.interrupted).toBe(true);
    expect((await endOf(sid)).data.state).toBe("interrupted");
    const a = await waitFor(async () => (await answers(msg))[0], 10_000, "the partial reply");
    expect(a.data.text).toMatch(/^part0 part1 part2[\s\S]*_\(interrupted\)_$/);
    expect(fakeLog().some((l) => l.method === "turn/interrupt")).toBe(true);
  });

  for (const [word, reason] of [
    ["crash", /exited mid-turn \(exit code 3\)/],
    ["malformed", /not JSON/],
  ] as const) {
    it(`a ${word} mid-turn fails the turn, tells the sender, and the restart resumes the same thread`, async () => {
      const before = await pid();
      const thread = keptThread();
      const msg = await send(`please ${word} now`);
      const end = await endOf(await streamOf(msg));
      expect(end.data.state).toBe("failed");
      expect(end.data.error).toMatch(reason);
      const notice = await waitFor(async () => (await answers(msg))[0], 10_000, "the failure notice");
      expect(notice).toMatchObject({ by: "system", data: { to: ["user"] } });
      expect(notice.data.text).toMatch(reason);
      await waitFor(async () => ((await pid()) ?? before) !== before, 20_000, "a restarted actor");
      // Upper case: the fake acts on the lower-case word.
      const next = await send(`fine after the ${word.toUpperCase()}`);
      const reply = await waitFor(async () => (await answers(next))[0], 20_000, "the next reply");
      expect(reply.data.text).toBe(`echo: fine after the ${word.toUpperCase()}`);
      expect(
        fakeLog()
          .filter((l) => l.thread)
          .at(-1),
      ).toEqual({ thread, via: "thread/resume" });
      expect((await answers(msg)).length).toBe(1);
    }, 60_000);
  }

  it("starts a new thread when the kept one cannot be resumed, and says so in the actor's log", async () => {
    await t.api("POST", path("/actors/lead/stop"));
    writeFileSync(stateFile(), JSON.stringify({ session_id: "forgotten-thread", runtime: "codex" }));
    await t.api("POST", path("/actors/lead/start"));
    const msg = await send("new thread please");
    const reply = await waitFor(async () => (await answers(msg))[0], 20_000, "the reply");
    expect(reply.data.text).toBe("echo: new thread please");
    const last = fakeLog()
      .filter((l) => l.thread)
      .at(-1);
    expect(last?.via).toBe("thread/start");
    expect(keptThread()).toBe(last?.thread);
    const actorLog = readFileSync(join(t.home.stateDir(gid), "actors", "lead.log"), "utf8");
    expect(actorLog).toMatch(/could not resume codex thread forgotten-thread \(no rollout found/);
  });
});
