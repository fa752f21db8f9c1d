/**
 * A structured actor in the daemon: builds its runner (the runtime's session, resuming the kept
 * session or thread), keeps the session id in groups/<gid>/state/actors/<id>.json, turns the runner's turn updates into live
 * `chat.stream` events, and ends each turn in the ledger: the final text as one `chat.message`
 * (reply_to the message that started the turn, to its sender, carrying the stream_id) unless the
 * agent already answered through MCP during the turn; an interrupted turn's partial text with
 * _(interrupted)_; a notice from `system` to the sender when the turn failed or was stopped before any text.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ActorConfig } from "../kernel/config.js";
import { writeFileAtomic } from "../kernel/fs-util.js";
import type { Group } from "../kernel/group.js";
import type { ChatMessageData, LedgerEvent } from "../kernel/types.js";
import type { Env } from "../runners/process-group.js";
import { StructuredRunner } from "../runners/structured-runner.js";
import { structuredSession } from "../runners/structured-session.js";
import type { StructuredTimings, Turn, TurnUpdate } from "../runners/structured-turn.js";
import { answerToolApproval } from "./approval-answer.js";
import type { ApprovalService } from "./approvals.js";
import type { StreamHub } from "./stream-hub.js";

export interface StructuredActorOptions {
  group: Group;
  actor: ActorConfig;
  cwd: string;
  env: Env;
  logPath: string;
  stateFile: string;
  hub: StreamHub;
  /** The group's approval inbox (permission mode `ask`: Codex's approval requests). */
  approvals: ApprovalService;
  timings: StructuredTimings;
  render(items: readonly LedgerEvent[]): string;
  preamble(): string;
  log(line: string): void;
}

interface SessionState {
  session_id?: string;
  runtime?: string;
  updated_at?: string;
}

export function readSessionState(file: string): SessionState {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SessionState;
  } catch {
    return {};
  }
}

export class StructuredActor {
  private runner: StructuredRunner | undefined;
  /** Messages the actor sent during the running turn (its MCP answers). */
  private sentDuringTurn: LedgerEvent<ChatMessageData>[] = [];
  /** Highest seq of a message whose turn ended (read). */
  private readUpTo = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: StructuredActorOptions) {
    this.unsubscribe = opts.group.ledger.subscribe((e) => {
      if (e.kind !== "chat.message" || e.by !== opts.actor.id || !this.runner?.current) return;
      const m = e as LedgerEvent<ChatMessageData>;
      // A message with a stream_id is an earlier turn's own reply (written by finish() below), which
      // can become durable after the next turn started (a message batched while that turn ran):
      // it is no answer the agent gave in this turn.
      if (m.data.stream_id) return;
      this.sentDuringTurn.push(m);
    });
  }

  /** A fresh runner (the supervisor calls this for every start, restarts included). */
  makeRunner(): StructuredRunner {
    const { actor } = this.opts;
    const state = readSessionState(this.opts.stateFile);
    const { argv, protocol } = structuredSession({
      runtime: actor.runtime,
      program: actor.command,
      preamble: this.opts.preamble(),
      // A session of another runtime (the actor's runtime was changed) is not resumed.
      sessionId: !state.runtime || state.runtime === actor.runtime ? state.session_id : undefined,
      cwd: this.opts.cwd,
      permissions: actor.permissions ?? "bypass",
    });
    const runner: StructuredRunner = new StructuredRunner({
      argv,
      cwd: this.opts.cwd,
      env: this.opts.env,
      logPath: this.opts.logPath,
      protocol,
      timings: this.opts.timings,
      render: this.opts.render,
      onSession: (id) => this.saveSession(id),
      onDelivered: (items) => this.markRead(items),
      onTurn: (u) => this.onTurn(u),
      onApproval: (request) =>
        answerToolApproval(this.opts.approvals, this.opts.group, actor.id, request, () => runner.running),
    });
    this.runner = runner;
    return runner;
  }

  deliver(...events: LedgerEvent[]): void {
    // An ended turn's messages are read, even while the "read" record is still being written.
    const fresh = events.filter((e) => e.seq > this.readUpTo);
    if (fresh.length > 0) this.runner?.deliver(...fresh);
  }

  interrupt(): boolean {
    return this.runner?.interrupt() ?? false;
  }

  close(): void {
    this.unsubscribe();
  }

  private saveSession(id: string): void {
    if (readSessionState(this.opts.stateFile).session_id === id) return;
    const state: SessionState = {
      session_id: id,
      runtime: this.opts.actor.runtime,
      updated_at: new Date().toISOString(),
    };
    void writeFileAtomic(this.opts.stateFile, `${JSON.stringify(state, null, 2)}\n`).catch((e: Error) =>
      this.opts.log(`save session of ${this.opts.actor.id}: ${e.message}`),
    );
  }

  private markRead(items: readonly LedgerEvent[]): void {
    const { group, actor } = this.opts;
    const last = items.filter((e) => group.hasMessage(e.id)).at(-1);
    if (last) this.readUpTo = Math.max(this.readUpTo, last.seq);
    if (last)
      void group
        .markRead(actor.id, last.id)
        .catch((e: Error) => this.opts.log(`mark read ${actor.id}: ${e.message}`));
  }

  private onTurn(u: TurnUpdate): void {
    const { hub, group, actor } = this.opts;
    const trigger = triggerOf(u.turn);
    if (u.op === "start") {
      this.sentDuringTurn = [];
      hub.start({
        groupId: group.id,
        actorId: actor.id,
        streamId: u.turn.streamId,
        to: trigger ? [trigger.by === "system" ? "user" : trigger.by] : [],
        replyTo: trigger?.id,
      });
      return;
    }
    if (u.op === "update") {
      hub.update(u.turn.streamId, u.turn.text, u.turn.activity);
      return;
    }
    const answered = this.answeredThroughMcp(u.turn);
    this.sentDuringTurn = [];
    void this.finish(u.turn, u.state, u.error, trigger, answered).catch((e: Error) => {
      this.opts.log(`end of turn ${u.turn.streamId} of ${actor.id}: ${e.message}`);
      hub.end(u.turn.streamId, { state: "failed", text: u.turn.text, error: e.message });
    });
  }

  /** The agent answered the turn's sender itself (a reply to one of the turn's messages, or to them). */
  private answeredThroughMcp(turn: Turn): boolean {
    const ids = new Set(turn.items.map((e) => e.id));
    const senders = new Set(turn.items.map((e) => e.by));
    return this.sentDuringTurn.some(
      (m) => (m.data.reply_to && ids.has(m.data.reply_to)) || m.data.to.some((t) => senders.has(t)),
    );
  }

  private async finish(
    turn: Turn,
    state: "done" | "interrupted" | "failed",
    error: string | undefined,
    trigger: LedgerEvent | undefined,
    answered: boolean,
  ): Promise<void> {
    const { hub, group, actor } = this.opts;
    const base = { state, text: turn.text, error };
    if (!trigger || answered) return hub.end(turn.streamId, base);
    // "system" is no recipient: an answer to a system notice (an approval handed over) goes to the user.
    const to = [trigger.by === "system" ? "user" : trigger.by];
    const common = { to, reply_to: trigger.id, stream_id: turn.streamId };
    if (state === "done") {
      const text = (turn.finalText ?? turn.text).trim();
      if (text === "") return hub.end(turn.streamId, base);
      const msg = await group.send({
        ...common,
        by: actor.id,
        text,
        format: "markdown",
        client_id: `stream:${turn.streamId}`,
      });
      return hub.end(turn.streamId, { ...base, text, eventId: msg.id });
    }
    const partial = turn.text.trim();
    if (state === "interrupted" && partial !== "") {
      const msg = await group.send({
        ...common,
        by: actor.id,
        text: `${partial}\n\n_(interrupted)_`,
        format: "markdown",
        client_id: `stream:${turn.streamId}`,
      });
      return hub.end(turn.streamId, { ...base, eventId: msg.id });
    }
    // Failed, or stopped before any text: the sender still learns that no reply is coming.
    const text =
      state === "interrupted"
        ? `${actor.id} was stopped before it wrote a reply${error ? ` (${error})` : ""}. Send the message again if it is still needed.`
        : `${actor.id} could not finish its reply: ${error ?? "the turn failed"}. The agent is restarted; send the message again if it is still needed.`;
    const msg = await group.send({
      ...common,
      by: "system",
      text,
      client_id: `stream-${state}:${turn.streamId}`,
    });
    hub.end(turn.streamId, { ...base, eventId: msg.id });
  }
}

/** The message a turn answers: the last chat.message it carries. */
function triggerOf(turn: Turn): LedgerEvent | undefined {
  return turn.items.filter((e) => e.kind === "chat.message").at(-1);
}

export function structuredStateFile(stateDir: string, actorId: string): string {
  return join(stateDir, "actors", `${actorId}.json`);
}
