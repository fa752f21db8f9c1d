/**
 * The world of the structured-session daemon tests: a real daemon with one actor `lead` running a
 * scripted agent CLI from test/fixtures/agents (stream-json for claude, app-server for codex), a
 * follower of the group's stream, and the API helpers those tests share.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatStreamItem } from "../../src/daemon/stream-hub.js";
import type { ChatMessageData, LedgerEvent } from "../../src/kernel/types.js";
import { AGENTS } from "./bridge.js";
import { startTestDaemon, type TestDaemon } from "./daemon.js";
import { type Follower, follow } from "./stream-follower.js";

export interface StructuredDaemon {
  t: TestDaemon;
  gid: string;
  f: Follower;
  /** The group's API path: `/api/v1/groups/<gid><suffix>`. */
  path(suffix?: string): string;
  /** A message from the user to lead, through the API. */
  send(text: string): Promise<LedgerEvent<ChatMessageData>>;
  ledger(after?: number): Promise<LedgerEvent<ChatMessageData>[]>;
  /** The chat.messages after `to` that reply to it. */
  answers(to: LedgerEvent): Promise<LedgerEvent<ChatMessageData>[]>;
  /** lead's pid while it runs. */
  pid(): Promise<number | undefined>;
  /** The stream started for `msg` (its start item names it in reply_to). */
  streamOf(msg: LedgerEvent): Promise<string>;
  endOf(sid: string, timeoutMs?: number): Promise<ChatStreamItem>;
  /** lead's kept session state (state/actors/lead.json). */
  stateFile(): string;
  /** The session (Claude) or thread (Codex) id kept in the state file. */
  keptSession(): string;
  close(): Promise<void>;
}

export async function startStructuredDaemon(opts: {
  runtime: "claude" | "codex";
  /** The scripted CLI in test/fixtures/agents, e.g. "stream-json-agent.mjs". */
  agent: string;
  title: string;
  env: Record<string, string>;
}): Promise<StructuredDaemon> {
  const t = await startTestDaemon(opts.env);
  const gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
      title: opts.title,
      scope: AGENTS,
    })
  ).body.group.group_id;
  const path = (suffix = "") => `/api/v1/groups/${gid}${suffix}`;
  await t.api("POST", path("/actors"), {
    id: "lead",
    runtime: opts.runtime,
    command: ["node", `${AGENTS}/${opts.agent}`],
  });
  await t.api("POST", path("/start"));
  const f = await follow(t.daemon.url, gid);
  const ledger = async (after = 0) =>
    (await t.api<{ events: LedgerEvent<ChatMessageData>[] }>("GET", path(`/ledger?after=${after}`))).body
      .events;
  const stateFile = () => join(t.home.stateDir(gid), "actors", "lead.json");
  return {
    t,
    gid,
    f,
    path,
    ledger,
    stateFile,
    async send(text) {
      const r = await t.api<{ event: LedgerEvent<ChatMessageData> }>("POST", path("/send"), {
        text,
        to: ["lead"],
      });
      if (r.status !== 200) throw new Error(JSON.stringify(r.body));
      return r.body.event;
    },
    answers: async (to) =>
      (await ledger(to.seq)).filter((e) => e.kind === "chat.message" && e.data.reply_to === to.id),
    async pid() {
      const { body } = await t.api<{ actors: { id: string; status: string; pid?: number }[] }>(
        "GET",
        path("/actors"),
      );
      const a = body.actors.find((x) => x.id === "lead");
      return a?.status === "running" ? a.pid : undefined;
    },
    streamOf: (msg) =>
      f
        .waitStream((i) => i.data.reply_to === msg.id, `a stream for "${msg.data.text}"`)
        .then((i) => i.data.stream_id),
    endOf: (sid, timeoutMs = 20_000) =>
      f.waitStream((i) => i.data.stream_id === sid && i.data.op === "end", "the stream's end", timeoutMs),
    keptSession: () => (JSON.parse(readFileSync(stateFile(), "utf8")) as { session_id: string }).session_id,
    async close() {
      f.close();
      await t.close();
    },
  };
}
