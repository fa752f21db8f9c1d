/**
 * The structured runner in the real daemon with a scripted stream-json CLI (same line protocol as
 * `claude -p --input-format stream-json …`): streamed replies, the final message once with reply_to
 * and stream_id, no double reply after an MCP-style answer, interrupt, and the fault cases.
 */

import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli, waitFor } from "../support/cli.js";
import { follow } from "../support/stream-follower.js";
import { type StructuredDaemon, startStructuredDaemon } from "../support/structured-daemon.js";

const ARGV_LOG = join(tmpdir(), `cccc-stream-argv-${process.pid}.log`);

let w: StructuredDaemon;

beforeAll(async () => {
  w = await startStructuredDaemon({
    runtime: "claude",
    agent: "stream-json-agent.mjs",
    title: "structured",
    env: {
      CCCC_STRUCTURED_TIMINGS: JSON.stringify({ turnIdleMs: 4000, interruptGraceMs: 5000 }),
      FAKE_STREAM_LOG: ARGV_LOG,
    },
  });
});
afterAll(async () => {
  await w?.close();
});

describe("structured runner", () => {
  it("is the default runner of a new claude or codex actor; others get pty, and structured is refused", async () => {
    await w.t.api("POST", w.path("/actors"), { id: "cx", runtime: "codex", command: ["true"] });
    await w.t.api("POST", w.path("/actors"), { id: "gm", runtime: "gemini", command: ["true"] });
    const { body } = await w.t.api<{ actors: { id: string; runner: string }[] }>("GET", w.path("/actors"));
    expect(body.actors.find((a) => a.id === "lead")?.runner).toBe("structured");
    expect(body.actors.find((a) => a.id === "cx")?.runner).toBe("structured");
    expect(body.actors.find((a) => a.id === "gm")?.runner).toBe("pty");
    const refused = await w.t.api<{ error: { code: string; message: string } }>("POST", w.path("/actors"), {
      id: "gm2",
      runtime: "gemini",
      runner: "structured",
      command: ["true"],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("structured_not_supported");
    expect(refused.body.error.message).toMatch(/--runner pty/);
    await w.t.api("DELETE", w.path("/actors/cx"));
    await w.t.api("DELETE", w.path("/actors/gm"));
  });

  it("streams a reply and posts the final text once, with reply_to, to the sender and the stream_id", async () => {
    const msg = await w.send("hello structured");
    const sid = await w.streamOf(msg);
    const end = await w.endOf(sid);
    expect(end.data.state).toBe("done");
    const items = w.f.streams(sid);
    expect(items[0]?.data.op).toBe("start");
    expect(items.some((i) => i.data.op === "update" && i.data.activity === "reading src/app.ts")).toBe(true);
    const replies = await waitFor(
      async () => {
        const a = await w.answers(msg);
        return a.length > 0 ? a : undefined;
      },
      10_000,
      "the final reply",
    );
    await new Promise((r) => setTimeout(r, 300));
    const final = await w.answers(msg);
    expect(final).toHaveLength(1);
    expect(final[0]?.by).toBe("lead");
    expect(final[0]?.data.to).toEqual(["user"]);
    expect(final[0]?.data.text).toBe("echo: hello structured (turn 1)");
    expect(final[0]?.data.stream_id).toBe(sid);
    expect(end.data.event_id).toBe(replies[0]?.id);
    // The ledger holds no stream events: it grows by the final message only.
    expect((await w.ledger()).some((e) => e.kind === "chat.stream")).toBe(false);
  });

  it("cccc tail -f --stream shows the reply as it is written; plain tail -f only the final message", async () => {
    const env = { CCCC_HOME: w.t.home.root };
    const streamed = spawnCli(["tail", "-f", "--stream", "-n", "1", "--group", w.gid], env);
    const plain = spawnCli(["tail", "-f", "-n", "1", "--group", w.gid], env);
    try {
      await waitFor(() => streamed.output().length > 0 && plain.output().length > 0, 60_000, "both tails");
      // A tail prints its backlog before it opens the event stream: once both show a later event, their
      // streams are open (else a fast reply could end before the stream connects and never be shown).
      await w.t.daemon.ctx.kernel
        .group(w.gid)
        .send({ by: "system", to: ["user"], text: "tails warmed up", client_id: "tail-warm-up" });
      await waitFor(
        () => /tails warmed up/.test(streamed.output()) && /tails warmed up/.test(plain.output()),
        60_000,
        "both tails following",
      );
      const msg = await w.send("hello tail");
      await waitFor(
        () => /lead → user: echo: hello tail/.test(plain.output()),
        20_000,
        "the final message in tail -f",
      );
      const out = await waitFor(
        () => {
          // The stream's end may be written just after the final message: wait for both.
          const o = streamed.output();
          return /lead → user: echo: hello tail/.test(o) && o.includes("~ lead done") ? o : undefined;
        },
        60_000,
        "the final message in tail -f --stream",
      );
      expect(out).toContain(`~ lead is replying to ${msg.id.slice(0, 8)}…`);
      expect(out).toContain("~ lead [reading src/app.ts]");
      expect(out).toMatch(/~ lead: echo:/);
      expect(out).toContain("~ lead done");
      expect(plain.output()).not.toContain("~ lead");
    } finally {
      streamed.child.kill();
      plain.child.kill();
    }
  }, 150_000);

  it("does not reply twice when the agent answered through CCCC during the turn", async () => {
    const msg = await w.send("please selfreply");
    const sid = await w.streamOf(msg);
    await w.endOf(sid);
    await new Promise((r) => setTimeout(r, 300));
    const a = await w.answers(msg);
    expect(a.map((e) => e.data.text)).toEqual(["answered via cccc"]);
  });

  it("interrupt stops a long turn: the stream ends interrupted, partial text kept", async () => {
    const msg = await w.send("a slow one");
    const sid = await w.streamOf(msg);
    await w.f.waitStream((i) => i.data.stream_id === sid && i.data.text.includes("part2"), "partial text");
    // A follower joining mid-stream gets the current snapshot first.
    const late = await follow(w.t.daemon.url, w.gid, (await w.ledger()).at(-1)?.seq ?? 0);
    const snap = await late.waitStream((i) => i.data.stream_id === sid, "a snapshot for the late follower");
    late.close();
    expect(snap.data.op).toBe("update");
    expect(snap.data.text).toContain("part1");
    expect(snap.data.activity).toBe("running npm test");
    const r = await w.t.api<{ interrupted: boolean }>("POST", w.path("/actors/lead/interrupt"));
    expect(r.body.interrupted).toBe(true);
    const end = await w.endOf(sid);
    expect(end.data.state).toBe("interrupted");
    const a = await waitFor(async () => (await w.answers(msg))[0], 10_000, "the partial reply");
    expect(a.data.text).toMatch(/part1[\s\S]*_\(interrupted\)_/);
    const again = await w.t.api<{ interrupted: boolean }>("POST", w.path("/actors/lead/interrupt"));
    expect(again.body.interrupted).toBe(false);
  });

  it("a turn stopped before any text tells the sender that no reply is coming", async () => {
    const msg = await w.send("please ponder this");
    const sid = await w.streamOf(msg);
    await w.f.waitStream(
      (i) => i.data.stream_id === sid && i.data.activity === "running make",
      "the tool run",
    );
    const r = await w.t.api<{ interrupted: boolean }>("POST", w.path("/actors/lead/interrupt"));
    expect(r.body.interrupted).toBe(true);
    const end = await w.endOf(sid);
    expect(end.data.state).toBe("interrupted");
    expect(end.data.text).toBe("");
    const notice = await waitFor(async () => (await w.answers(msg))[0], 10_000, "the notice");
    expect(notice.by).toBe("system");
    expect(notice.data).toMatchObject({ to: ["user"], stream_id: sid });
    expect(notice.data.text).toMatch(/^lead was stopped before it wrote a reply\. Send the message again/);
    expect(end.data.event_id).toBe(notice.id);
  });

  it("a message that waited for a running turn is answered: the earlier turn's reply is no MCP answer", async () => {
    // The second message is batched while the first turn runs; that turn's final reply becomes
    // durable just after the second turn started, and must not count as the second turn's answer.
    const first = await w.send("a steady first");
    const sid = await w.streamOf(first);
    await w.f.waitStream((i) => i.data.stream_id === sid && i.data.text.includes("step2 "), "the first turn");
    const second = await w.send("hello second");
    const end = await w.endOf(sid);
    expect(end.data.state).toBe("done");
    const sid2 = await w.streamOf(second);
    const end2 = await w.endOf(sid2);
    expect(end2.data.state).toBe("done");
    const reply = await waitFor(async () => (await w.answers(second))[0], 10_000, "the second reply");
    expect(reply.by).toBe("lead");
    expect(reply.data.stream_id).toBe(sid2);
    expect(reply.data.text).toMatch(/^echo: hello second \(turn \d+\)$/);
    expect(end2.data.event_id).toBe(reply.id);
    expect((await w.answers(first)).map((e) => e.data.stream_id)).toEqual([sid]);
  }, 30_000);

  it("stopping the actor mid-turn ends the stream interrupted, without a failure notice", async () => {
    const msg = await w.send("another slow one");
    const sid = await w.streamOf(msg);
    await w.f.waitStream((i) => i.data.stream_id === sid && i.data.text.includes("part2"), "partial text");
    await w.t.api("POST", w.path("/actors/lead/stop"));
    const end = await w.endOf(sid);
    expect(end.data.state).toBe("interrupted");
    const a = await waitFor(async () => (await w.answers(msg))[0], 10_000, "the partial reply");
    expect(a.by).toBe("lead");
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await w.answers(msg)).map((e) => e.by)).toEqual(["lead"]);
    await w.t.api("POST", w.path("/actors/lead/start"));
    await waitFor(w.pid, 20_000, "lead running again");
  });

  for (const [word, reason] of [
    ["malformed", /not JSON/],
    ["unknown", /unknown type "brand_new_event_type"/],
    ["crash", /exited mid-turn \(exit code 3\)/],
    ["hang", /printed nothing for 4 s/],
  ] as const) {
    it(`a CLI fault (${word}) fails the turn, tells the sender, restarts and resumes the session`, async () => {
      const before = await w.pid();
      const msg = await w.send(`please ${word} now`);
      const sid = await w.streamOf(msg);
      const end = await w.endOf(sid);
      expect(end.data.state).toBe("failed");
      expect(end.data.error).toMatch(reason);
      const notice = await waitFor(async () => (await w.answers(msg))[0], 10_000, "the failure notice");
      expect(notice.by).toBe("system");
      expect(notice.data.to).toEqual(["user"]);
      expect(notice.data.text).toMatch(reason);
      // Restarted by the supervisor, resuming the same session; the next message is answered.
      await waitFor(
        async () => {
          const now = await w.pid();
          return now !== undefined && now !== before;
        },
        20_000,
        "a restarted actor",
      );
      const next = await w.send(`all good after the ${word.toUpperCase()} case`);
      const reply = await waitFor(async () => (await w.answers(next))[0], 20_000, "the next reply");
      expect(reply.data.text).toMatch(new RegExp(`^echo: all good after the ${word.toUpperCase()}`));
      expect((await w.answers(msg)).length).toBe(1);
      const starts = readFileSync(ARGV_LOG, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as string[]);
      const last = starts.at(-1) ?? [];
      expect(last[last.indexOf("--resume") + 1]).toBe(w.keptSession());
    }, 60_000);
  }
});
