/**
 * A codex actor's structured session in the real daemon, with a scripted `codex app-server`
 * (test/fixtures/agents/codex-app-server-agent.mjs, same JSON-RPC lines): the reply streams and lands
 * once; interrupt goes out as turn/interrupt; a crash or a malformed line mid-turn fails the turn,
 * tells the sender, and the restarted process resumes the same thread; a thread Codex no longer
 * knows is replaced by a new one instead of a crash loop. The real CLI: test/e2e/real-codex-structured.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/cli.js";
import { type StructuredDaemon, startStructuredDaemon } from "../support/structured-daemon.js";

const LOG = join(tmpdir(), `cccc-fake-codex-${process.pid}.log`);

let w: StructuredDaemon;

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

beforeAll(async () => {
  writeFileSync(LOG, "");
  w = await startStructuredDaemon({
    runtime: "codex",
    agent: "codex-app-server-agent.mjs",
    title: "cx",
    env: { FAKE_CODEX_LOG: LOG },
  });
});
afterAll(async () => {
  await w?.close();
});

describe("codex structured session (scripted app-server)", () => {
  it("streams the reply and posts the final text once, with reply_to and the stream_id", async () => {
    const msg = await w.send("hello codex");
    const sid = await w.streamOf(msg);
    const end = await w.endOf(sid);
    expect(end.data).toMatchObject({ state: "done", text: "echo: hello codex" });
    expect(w.f.streams(sid).some((i) => i.data.activity === "running ls")).toBe(true);
    const replies = await waitFor(async () => (await w.answers(msg))[0], 10_000, "the reply");
    expect(replies.data).toMatchObject({ text: "echo: hello codex", to: ["user"], stream_id: sid });
    const turn = fakeLog().find((l) => l.method === "turn/start");
    expect(turn?.params?.threadId).toBe(w.keptSession());
  });

  it("interrupt sends turn/interrupt and keeps the partial reply", async () => {
    const msg = await w.send("a slow one");
    const sid = await w.streamOf(msg);
    await w.f.waitStream((i) => i.data.stream_id === sid && i.data.text.includes("part2"), "partial text");
    const r = await w.t.api<{ interrupted: boolean }>("POST", w.path("/actors/lead/interrupt"));
    expect(r.body.interrupted).toBe(true);
    expect((await w.endOf(sid)).data.state).toBe("interrupted");
    const a = await waitFor(async () => (await w.answers(msg))[0], 10_000, "the partial reply");
    expect(a.data.text).toMatch(/^part0 part1 part2[\s\S]*_\(interrupted\)_$/);
    expect(fakeLog().some((l) => l.method === "turn/interrupt")).toBe(true);
  });

  for (const [word, reason] of [
    ["crash", /exited mid-turn \(exit code 3\)/],
    ["malformed", /not JSON/],
  ] as const) {
    it(`a ${word} mid-turn fails the turn, tells the sender, and the restart resumes the same thread`, async () => {
      const before = await w.pid();
      const thread = w.keptSession();
      const msg = await w.send(`please ${word} now`);
      const end = await w.endOf(await w.streamOf(msg));
      expect(end.data.state).toBe("failed");
      expect(end.data.error).toMatch(reason);
      const notice = await waitFor(async () => (await w.answers(msg))[0], 10_000, "the failure notice");
      expect(notice).toMatchObject({ by: "system", data: { to: ["user"] } });
      expect(notice.data.text).toMatch(reason);
      await waitFor(async () => ((await w.pid()) ?? before) !== before, 20_000, "a restarted actor");
      // Upper case: the fake acts on the lower-case word.
      const next = await w.send(`fine after the ${word.toUpperCase()}`);
      const reply = await waitFor(async () => (await w.answers(next))[0], 20_000, "the next reply");
      expect(reply.data.text).toBe(`echo: fine after the ${word.toUpperCase()}`);
      expect(
        fakeLog()
          .filter((l) => l.thread)
          .at(-1),
      ).toEqual({ thread, via: "thread/resume" });
      expect((await w.answers(msg)).length).toBe(1);
    }, 60_000);
  }

  it("starts a new thread when the kept one cannot be resumed, and says so in the actor's log", async () => {
    await w.t.api("POST", w.path("/actors/lead/stop"));
    writeFileSync(w.stateFile(), JSON.stringify({ session_id: "forgotten-thread", runtime: "codex" }));
    await w.t.api("POST", w.path("/actors/lead/start"));
    const msg = await w.send("new thread please");
    const reply = await waitFor(async () => (await w.answers(msg))[0], 20_000, "the reply");
    expect(reply.data.text).toBe("echo: new thread please");
    const last = fakeLog()
      .filter((l) => l.thread)
      .at(-1);
    expect(last?.via).toBe("thread/start");
    expect(w.keptSession()).toBe(last?.thread);
    const actorLog = readFileSync(join(w.t.home.stateDir(w.gid), "actors", "lead.log"), "utf8");
    expect(actorLog).toMatch(/could not resume codex thread forgotten-thread \(no rollout found/);
  });
});
