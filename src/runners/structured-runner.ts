/**
 * A structured session: one long-lived agent CLI speaking JSON lines on stdio (Claude's stream-json,
 * Codex's app-server; turns wait for a protocol's handshake). Each batch of delivered events is one
 * user turn; stdout is decoded into streamed text, activity and the turn's result. Faults (bad lines, a
 * failed handshake, the CLI exiting or hanging mid-turn) fail the turn and stop the process.
 */

import type { ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { LedgerEvent } from "../kernel/types.js";
import { ChildRunner } from "./child-runner.js";
import { LineSplitter } from "./line-splitter.js";
import { type Env, type ExitInfo, signalGroup } from "./process-group.js";
import type {
  SessionSignal,
  StructuredProtocol,
  ToolApprovalAnswer,
  ToolApprovalRequest,
  TurnState,
} from "./structured-protocol.js";
import { newTurn, type StructuredTimings, type Turn, type TurnUpdate } from "./structured-turn.js";

export interface StructuredRunnerOptions {
  argv: readonly string[];
  cwd: string;
  env: Env;
  /** stderr and fault notes are appended here. */
  logPath: string;
  protocol: StructuredProtocol;
  timings: StructuredTimings;
  /** The text of one user turn for a batch of events (render.ts). */
  render(items: readonly LedgerEvent[]): string;
  /** The CLI's session id (first seen, or changed). */
  onSession?(id: string): void;
  /** The turn carrying these events ended, however it ended (mark them read). */
  onDelivered?(items: readonly LedgerEvent[]): void;
  onTurn?(update: TurnUpdate): void;
  /**
   * The CLI asks to approve a tool call (permission mode `ask`): resolves with the decision. Absent,
   * or when it throws, the call is denied (fail-closed).
   */
  onApproval?(request: ToolApprovalRequest): Promise<ToolApprovalAnswer>;
}

export class StructuredRunner extends ChildRunner {
  private pending: LedgerEvent[] = [];
  private readonly seen = new Set<string>();
  private turn: Turn | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private interruptTimer: NodeJS.Timeout | undefined;
  private readonly lines = new LineSplitter();
  private faulted = false;
  private stopRequested = false;
  private interrupts = 0;
  /** Approval requests waiting for a person: the CLI is silent meanwhile, so the idle timer pauses. */
  private approvalsWaiting = 0;

  constructor(private readonly opts: StructuredRunnerOptions) {
    super(opts);
  }

  /** The running turn, if any. */
  get current(): Turn | undefined {
    return this.turn;
  }

  async start(): Promise<void> {
    const child = await this.spawnChild(["pipe", "pipe", "pipe"], {
      prepare: () => mkdirSync(dirname(this.opts.logPath), { recursive: true }),
      wire: (c) => {
        c.stdin?.on("error", (err) => this.log(`stdin: ${err.message}`));
        c.stderr?.on("data", (chunk: Buffer) => this.logRaw(chunk));
        c.stdout?.on("data", (chunk: Buffer) => this.onStdout(chunk));
      },
    });
    for (const line of this.opts.protocol.open?.() ?? []) child.stdin?.write(line);
    this.pump();
  }

  /** A turn cut short by a stop someone asked for ends "interrupted", not "failed". */
  protected override beforeStop(child: ChildProcess): void {
    this.stopRequested = true;
    child.stdin?.end();
  }

  /** Queues events; they become the next turn (batched with others that arrive while a turn runs). */
  deliver(...items: LedgerEvent[]): void {
    for (const item of items) {
      if (this.seen.has(item.id)) continue;
      this.seen.add(item.id);
      this.pending.push(item);
    }
    this.pump();
  }

  /** Asks the CLI to stop the running turn. False when no turn runs. */
  interrupt(): boolean {
    const turn = this.turn;
    if (!turn || !this.running) return false;
    if (turn.interrupting) return true;
    turn.interrupting = true;
    const line = this.opts.protocol.encodeInterrupt(`cccc-int-${++this.interrupts}`);
    if (line) this.child?.stdin?.write(line);
    else if (line === null && this.child?.pid) signalGroup(this.child.pid, "SIGINT");
    this.interruptTimer = setTimeout(() => {
      if (this.turn !== turn) return;
      this.fault("interrupt not acknowledged");
      this.endTurn("interrupted", "the CLI did not stop the turn in time; it was restarted");
    }, this.opts.timings.interruptGraceMs);
    return true;
  }

  private pump(): void {
    if (this.turn || this.faulted || !this.running || this.pending.length === 0) return;
    if (this.opts.protocol.ready && !this.opts.protocol.ready()) return;
    const items = this.pending;
    this.pending = [];
    const turn = newTurn(items);
    this.turn = turn;
    this.child?.stdin?.write(this.opts.protocol.encodeTurn(this.opts.render(items)));
    this.armIdle();
    this.opts.onTurn?.({ op: "start", turn });
  }

  private onStdout(chunk: Buffer): void {
    if (this.turn) this.armIdle();
    const { lines, overflow } = this.lines.push(chunk);
    for (const line of lines) {
      for (const signal of this.opts.protocol.decodeLine(line)) this.onSignal(signal);
    }
    if (overflow) this.onSignal({ kind: "malformed", line: "(a line over 16 MiB)" });
  }

  private onSignal(signal: SessionSignal): void {
    if (this.faulted) return;
    const turn = this.turn;
    switch (signal.kind) {
      case "session":
        this.opts.onSession?.(signal.id);
        return;
      case "ready":
        this.pump();
        return;
      case "write":
        this.child?.stdin?.write(signal.line);
        return;
      case "approval":
        this.onApprovalRequest(signal);
        return;
      case "log":
        this.log(signal.line);
        return;
      case "fatal":
        this.fault(signal.error);
        this.endTurn("failed", signal.error);
        return;
      case "message_start":
        if (turn && turn.text !== "" && !turn.text.endsWith("\n\n")) turn.text += "\n\n";
        return;
      case "text":
        if (!turn) return;
        turn.text += signal.delta;
        this.opts.onTurn?.({ op: "update", turn });
        return;
      case "activity":
        if (!turn) return;
        turn.activity = signal.text;
        this.opts.onTurn?.({ op: "update", turn });
        return;
      case "result":
        if (!turn) return;
        if (turn.interrupting) this.endTurn("interrupted");
        else if (!signal.ok) this.endTurn("failed", signal.error ?? "the CLI reported an error");
        else {
          turn.finalText = signal.text || turn.text;
          this.endTurn("done");
        }
        return;
      case "malformed":
        this.fail(`the CLI printed a line that is not JSON: ${signal.line}`);
        return;
      case "unknown":
        this.fail(`the CLI printed an event of unknown type "${signal.type}"`);
        return;
    }
  }

  private onApprovalRequest(signal: Extract<SessionSignal, { kind: "approval" }>): void {
    const child = this.child;
    this.approvalsWaiting++;
    clearTimeout(this.idleTimer);
    const ask = this.opts.onApproval?.(signal.request) ?? Promise.reject(new Error("nobody to ask"));
    void ask
      .catch((err: Error): ToolApprovalAnswer => {
        this.log(`approval of ${signal.request.tool}: ${err.message}`);
        return { decision: "deny", message: `CCCC could not ask for approval: ${err.message}` };
      })
      .then((answer) => {
        this.approvalsWaiting--;
        // The process that asked is gone (restart): its request stays in the inbox (handed over).
        if (this.child !== child || !this.running) return;
        this.child?.stdin?.write(signal.answer(answer));
        if (this.turn) this.armIdle();
      });
  }

  /** A protocol fault mid-turn: the turn fails and the process is stopped (the supervisor restarts it). */
  private fail(reason: string): void {
    this.log(`fault: ${reason}`);
    // Between turns nothing can be lost: note it and carry on (some CLIs print banners at start).
    if (!this.turn) return;
    this.fault(reason);
    this.endTurn("failed", reason);
  }

  private fault(reason: string): void {
    if (this.faulted) return;
    this.faulted = true;
    if (this.running) {
      this.log(`stopping the session after a fault: ${reason}`);
      void this.terminate(2_000).catch(() => undefined);
    }
  }

  private endTurn(state: TurnState, error?: string): void {
    const turn = this.turn;
    if (!turn) return;
    this.turn = undefined;
    clearTimeout(this.idleTimer);
    clearTimeout(this.interruptTimer);
    // Read only once the turn ended (done, interrupted or failed: each tells the sender): a daemon
    // killed mid-turn leaves the messages unread, so the restarted session runs the turn again.
    this.opts.onDelivered?.(turn.items);
    this.opts.onTurn?.({ op: "end", turn, state, error });
    this.pump();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.approvalsWaiting > 0) return;
    this.idleTimer = setTimeout(() => {
      const secs = Math.round(this.opts.timings.turnIdleMs / 1000);
      this.fail(`the CLI printed nothing for ${secs} s during the turn`);
    }, this.opts.timings.turnIdleMs);
  }

  protected override onProcessExit(info: ExitInfo): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.interruptTimer);
    if (this.turn) {
      const how = info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
      if (this.stopRequested) this.endTurn("interrupted", "the actor was stopped");
      else
        this.endTurn(this.turn.interrupting ? "interrupted" : "failed", `the CLI exited mid-turn (${how})`);
    }
  }

  private log(line: string): void {
    this.logRaw(Buffer.from(`[cccc ${new Date().toISOString()}] ${line}\n`));
  }

  private logRaw(chunk: Buffer): void {
    try {
      appendFileSync(this.opts.logPath, chunk);
    } catch {
      // The log is best effort; the turn events carry what matters.
    }
  }
}
