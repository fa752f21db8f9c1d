/**
 * The structured runner in the real daemon with a scripted stream-json CLI (same line protocol as
 * `claude -p --input-format stream-json …`): streamed replies, the final message once with reply_to
 * and stream_id, no double reply after an MCP-style answer, interrupt, and the fault cases.
 */

import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessageData, LedgerEvent } from "../../src/kernel/types.js";
import { spawnCli, waitFor } from "../support/cli.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { type Follower, follow } from "../support/stream-follower.js";

const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
const ARGV_LOG = join(tmpdir(), `cccc-stream-argv-${process.pid}.log`);

let t: TestDaemon;
let gid: string;
let f: Follower;
const path = (suffix = "") => `/api/v1/groups/${gid}${suffix}`;

async function send(text: string): Promise<LedgerEvent<ChatMessageData>> {
  const r = await t.api<{ event: LedgerEvent<ChatMessageData> }>("POST", path("/send"), {
    text,
    to: ["lead"],
  });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.event;
}

async function ledger(after = 0): Promise<LedgerEvent<ChatMessageData>[]> {
  const { body } = await t.api<{ events: LedgerEvent<ChatMessageData>[] }>(
    "GET",
    path(`/ledger?after=${after}`),
  );
  return body.events;
}

async function answers(to: LedgerEvent): Promise<LedgerEvent<ChatMessageData>[]> {
  return (await ledger(to.seq)).filter((e) => e.kind === "chat.message" && e.data.reply_to === to.id);
}

async function pid(): Promise<number | undefined> {
  const { body } = await t.api<{ actors: { id: string; status: string; pid?: number }[] }>(
    "GET",
    path("/actors"),
  );
  const a = body.actors.find((x) => x.id === "lead");
  return a?.status === "running" ? a.pid : undefined;
}

/** The stream started for `msg` (its start item names it in reply_to). */
function streamOf(msg: LedgerEvent): Promise<string> {
  return f
    .waitStream((i) => i.data.reply_to === msg.id, `a stream for "${msg.data.text}"`)
    .then((i) => i.data.stream_id);
}

beforeAll(async () => {
  t = await startTestDaemon({
    CCCC_STRUCTURED_TIMINGS: JSON.stringify({ turnIdleMs: 4000, interruptGraceMs: 5000 }),
    FAKE_STREAM_LOG: ARGV_LOG,
  });
  gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
      title: "structured",
      scope: AGENTS,
    })
  ).body.group.group_id;
  await t.api("POST", path("/actors"), {
    id: "lead",
    runtime: "claude",
    command: ["node", `${AGENTS}/stream-json-agent.mjs`],
  });
  await t.api("POST", path("/start"));
  f = await follow(t.daemon.url, gid);
});
afterAll(async () => {
  f?.close();
  await t?.close();
});

describe("structured runner", () => {
  it("is the default runner of a new claude or codex actor; others get pty, and structured is refused", async () => {
    await t.api("POST", path("/actors"), { id: "cx", runtime: "codex", command: ["true"] });
    await t.api("POST", path("/actors"), { id: "gm", runtime: "gemini", command: ["true"] });
    const { body } = await t.api<{ actors: { id: string; runner: string }[] }>("GET", path("/actors"));
    expect(body.actors.find((a) => a.id === "lead")?.runner).toBe("structured");
    expect(body.actors.find((a) => a.id === "cx")?.runner).toBe("structured");
    expect(body.actors.find((a) => a.id === "gm")?.runner).toBe("pty");
    const refused = await t.api<{ error: { code: string; message: string } }>("POST", path("/actors"), {
      id: "gm2",
      runtime: "gemini",
      runner: "structured",
      command: ["true"],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("structured_not_supported");
    expect(refused.body.error.message).toMatch(/--runner pty/);
    await t.api("DELETE", path("/actors/cx"));
    await t.api("DELETE", path("/actors/gm"));
  });

  it("streams a reply and posts the final text once, with reply_to, to the sender and the stream_id", async () => {
    const msg = await send("hello structured");
    const sid = await streamOf(msg);
    const end = await f.waitStream(
      (i) => i.data.stream_id === sid && i.data.op === "end",
      "the stream's end",
    );
    expect(end.data.state).toBe("done");
    const items = f.streams(sid);
    expect(items[0]?.data.op).toBe("start");
    expect(items.some((i) => i.data.op === "update" && i.data.activity === "reading src/app.ts")).toBe(true);
    const replies = await waitFor(
      async () => {
        const a = await answers(msg);
        return a.length > 0 ? a : undefined;
      },
      10_000,
      "the final reply",
    );
    await new Promise((r) => setTimeout(r, 300));
    const final = await answers(msg);
    expect(final).toHaveLength(1);
    expect(final[0]?.by).toBe("lead");
    expect(final[0]?.data.to).toEqual(["user"]);
    expect(final[0]?.data.text).toBe("echo: hello structured (turn 1)");
    expect(final[0]?.data.stream_id).toBe(sid);
    expect(end.data.event_id).toBe(replies[0]?.id);
    // The ledger holds no stream events: it grows by the final message only.
    expect((await ledger()).some((e) => e.kind === "chat.stream")).toBe(false);
  });

  it("cccc tail -f --stream shows the reply as it is written; plain tail -f only the final message", async () => {
    const env = { CCCC_HOME: t.home.root };
    const streamed = spawnCli(["tail", "-f", "--stream", "-n", "1", "--group", gid], env);
    const plain = spawnCli(["tail", "-f", "-n", "1", "--group", gid], env);
    try {
      await waitFor(() => streamed.output().length > 0 && plain.output().length > 0, 60_000, "both tails");
      // A tail prints its backlog before it opens the event stream: once both show a later event, their
      // streams are open (else a fast reply could end before the stream connects and never be shown).
      await t.daemon.ctx.kernel
        .group(gid)
        .send({ by: "system", to: ["user"], text: "tails warmed up", client_id: "tail-warm-up" });
      await waitFor(
        () => /tails warmed up/.test(streamed.output()) && /tails warmed up/.test(plain.output()),
        60_000,
        "both tails following",
      );
      const msg = await send("hello tail");
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
    const msg = await send("please selfreply");
    const sid = await streamOf(msg);
    await f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the stream's end");
    await new Promise((r) => setTimeout(r, 300));
    const a = await answers(msg);
    expect(a.map((e) => e.data.text)).toEqual(["answered via cccc"]);
  });

  it("interrupt stops a long turn: the stream ends interrupted, partial text kept", async () => {
    const msg = await send("a slow one");
    const sid = await streamOf(msg);
    await f.waitStream((i) => i.data.stream_id === sid && i.data.text.includes("part2"), "partial text");
    // A follower joining mid-stream gets the current snapshot first.
    const late = await follow(t.daemon.url, gid, (await ledger()).at(-1)?.seq ?? 0);
    const snap = await late.waitStream((i) => i.data.stream_id === sid, "a snapshot for the late follower");
    late.close();
    expect(snap.data.op).toBe("update");
    expect(snap.data.text).toContain("part1");
    expect(snap.data.activity).toBe("running npm test");
    const r = await t.api<{ interrupted: boolean }>("POST", path("/actors/lead/interrupt"));
    expect(r.body.interrupted).toBe(true);
    const end = await f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the end");
    expect(end.data.state).toBe("interrupted");
    const a = await waitFor(async () => (await answers(msg))[0], 10_000, "the partial reply");
    expect(a.data.text).toMatch(/part1[\s\S]*_\(interrupted\)_/);
    const again = await t.api<{ interrupted: boolean }>("POST", path("/actors/lead/interrupt"));
    expect(again.body.interrupted).toBe(false);
  });

  it("stopping the actor mid-turn ends the stream interrupted, without a failure notice", async () => {
    const msg = await send("another slow one");
    const sid = await streamOf(msg);
    await f.waitStream((i) => i.data.stream_id === sid && i.data.text.includes("part2"), "partial text");
    await t.api("POST", path("/actors/lead/stop"));
    const end = await f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the end");
    expect(end.data.state).toBe("interrupted");
    const a = await waitFor(async () => (await answers(msg))[0], 10_000, "the partial reply");
    expect(a.by).toBe("lead");
    await new Promise((ok) => setTimeout(ok, 300));
    expect((await answers(msg)).map((e) => e.by)).toEqual(["lead"]);
    await t.api("POST", path("/actors/lead/start"));
    await waitFor(pid, 20_000, "lead running again");
  });

  for (const [word, reason] of [
    ["malformed", /not JSON/],
    ["unknown", /unknown type "brand_new_event_type"/],
    ["crash", /exited mid-turn \(exit code 3\)/],
    ["hang", /printed nothing for 4 s/],
  ] as const) {
    it(`a CLI fault (${word}) fails the turn, tells the sender, restarts and resumes the session`, async () => {
      const before = await pid();
      const msg = await send(`please ${word} now`);
      const sid = await streamOf(msg);
      const end = await f.waitStream(
        (i) => i.data.stream_id === sid && i.data.op === "end",
        "the end",
        20_000,
      );
      expect(end.data.state).toBe("failed");
      expect(end.data.error).toMatch(reason);
      const notice = await waitFor(async () => (await answers(msg))[0], 10_000, "the failure notice");
      expect(notice.by).toBe("system");
      expect(notice.data.to).toEqual(["user"]);
      expect(notice.data.text).toMatch(reason);
      // Restarted by the supervisor, resuming the same session; the next message is answered.
      await waitFor(
        async () => {
          const now = await pid();
          return now !== undefined && now !== before;
        },
        20_000,
        "a restarted actor",
      );
      const next = await send(`all good after the ${word.toUpperCase()} case`);
      const reply = await waitFor(async () => (await answers(next))[0], 20_000, "the next reply");
      expect(reply.data.text).toMatch(new RegExp(`^echo: all good after the ${word.toUpperCase()}`));
      expect((await answers(msg)).length).toBe(1);
      const starts = readFileSync(ARGV_LOG, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as string[]);
      const last = starts.at(-1) ?? [];
      const state = JSON.parse(readFileSync(join(t.home.stateDir(gid), "actors", "lead.json"), "utf8")) as {
        session_id: string;
      };
      expect(last[last.indexOf("--resume") + 1]).toBe(state.session_id);
    }, 60_000);
  }
});
