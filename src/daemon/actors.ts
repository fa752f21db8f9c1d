import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ActorConfig } from "../kernel/config.js";
import type { Group } from "../kernel/group.js";
import { isMessageFor } from "../kernel/recipients.js";
import type { ChatMessageData, LedgerEvent, SystemNotifyData } from "../kernel/types.js";
import { buildActorEnv } from "../runners/actor-env.js";
import { actorAttention } from "../runners/attention.js";
import { DEFAULT_DELIVERY_TIMINGS, DeliveryQueue, type DeliveryTimings } from "../runners/delivery.js";
import { renderBatch, renderPreamble } from "../runners/render.js";
import { logLimitsFromEnv } from "../runners/rotating-log.js";
import { mcpRegistration, registerMcp, resolveCommand, runtimePreset } from "../runners/runtimes.js";
import { assertClaudeRootSandbox } from "../runners/sandbox-check.js";
import { structuredTimingsFromEnv } from "../runners/structured-turn.js";
import { type ActorExit, ActorProcess } from "../runners/supervisor.js";
import { CLI_ENTRY } from "../version.js";
import { timeoutSeconds } from "./approvals.js";
import type { ActorRuntimeStatus, ActorService, ActorTerminal, DaemonContext } from "./context.js";
import { StreamHub } from "./stream-hub.js";
import { StructuredActor, structuredStateFile } from "./structured-actor.js";

interface Running {
  proc: ActorProcess;
  queue?: DeliveryQueue;
  structured?: StructuredActor;
  /** While the inbox is read back after a (re)start: live events held to follow it in order. */
  replay?: { held: LedgerEvent[] };
}

/** A structured session that stopped on its own (or after a protocol fault) is restarted, resuming its session. */
const STRUCTURED_RESTART = { maxRestarts: 5, windowMs: 120_000, backoffMs: 500, maxBackoffMs: 10_000 };

/** Delivery timings can be tuned (tests make them fast) with CCCC_DELIVERY_TIMINGS='{"submitDelayMs":50}'. */
function timingsFromEnv(env: NodeJS.ProcessEnv): Partial<DeliveryTimings> {
  try {
    return env.CCCC_DELIVERY_TIMINGS
      ? (JSON.parse(env.CCCC_DELIVERY_TIMINGS) as Partial<DeliveryTimings>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Actor processes of every group. PTY actors get each message addressed to them typed into their
 * terminal (and marked read once delivered); headless actors pull their inbox. A message to a
 * stopped actor waits in its inbox and is delivered when it starts.
 */
export class ActorManager implements ActorService {
  private readonly running = new Map<string, Running>();
  private readonly watched = new Set<string>();
  private readonly binDir: string;
  private readonly timings: Partial<DeliveryTimings>;
  private readonly mcpChecked = new Set<string>();
  /** Live `chat.stream` events of structured actors. */
  readonly streams = new StreamHub();

  constructor(
    private readonly ctx: DaemonContext,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.binDir = join(ctx.home.daemonDir, "bin");
    this.timings = timingsFromEnv(env);
    mkdirSync(this.binDir, { recursive: true });
    const shim = join(this.binDir, "cccc");
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI_ENTRY}" "$@"\n`);
    chmodSync(shim, 0o755);
  }

  private key(group: Group, actorId: string): string {
    return `${group.id}/${actorId}`;
  }

  status(group: Group, actorId: string): ActorRuntimeStatus {
    const r = this.running.get(this.key(group, actorId));
    if (!r) return { status: "stopped" };
    const status: ActorRuntimeStatus = { status: r.proc.status, pid: r.proc.pid, exit_code: r.proc.exitCode };
    const pty = r.proc.pty;
    if (pty && r.queue) {
      const actor = group.config.actors.find((a) => a.id === actorId);
      const runtime = actor?.runtime ?? "custom";
      const attention = actorAttention({
        actorId,
        runtime,
        screen: pty.screenLines(),
        running: pty.running,
        startedAt: pty.startedAt,
        fresh: !r.queue.injectedThisSession,
        awaitingPasteMode: runtimePreset(runtime).waitForBracketedPaste && !pty.bracketedPaste,
        health: r.queue.health(),
        readyMaxMs: { ...DEFAULT_DELIVERY_TIMINGS, ...this.timings }.readyMaxMs,
      });
      if (attention) status.attention = attention;
    }
    return status;
  }

  scrollback(group: Group, actorId: string): string {
    return (
      this.running.get(this.key(group, actorId))?.proc.pty?.scrollback.read(0).data.toString("utf8") ?? ""
    );
  }

  screen(group: Group, actorId: string): string[] {
    return this.running.get(this.key(group, actorId))?.proc.pty?.screenLines() ?? [];
  }

  terminal(group: Group, actorId: string): ActorTerminal | undefined {
    const actor = group.actor(actorId);
    const proc = this.running.get(this.key(group, actorId))?.proc;
    if (actor.runner !== "pty") {
      return { kind: "log", path: this.logPath(group, actorId), running: proc?.status === "running" };
    }
    const pty = proc?.pty;
    return pty?.running ? { kind: "pty", terminal: pty } : undefined;
  }

  private logPath(group: Group, actorId: string): string {
    return join(this.ctx.home.stateDir(group.id), "actors", `${actorId}.log`);
  }

  /**
   * After a (re)start: the actor's unread messages (read back from the ledger), then the events that
   * arrived meanwhile, in seq order. A newer restart takes over the held events of an older one.
   */
  private replayInbox(group: Group, actorId: string): void {
    const key = this.key(group, actorId);
    const r = this.running.get(key);
    if (!r) return;
    const replay = { held: r.replay?.held ?? [] };
    r.replay = replay;
    const done = (events: LedgerEvent[]) => {
      if (r.replay !== replay || this.running.get(key) !== r) return; // superseded, or stopped
      r.replay = undefined;
      const listed = new Set(events.map((e) => e.id));
      const all = [...events, ...replay.held.filter((e) => !listed.has(e.id))].sort((a, b) => a.seq - b.seq);
      if (all.length === 0) return;
      r.queue?.enqueue(...all);
      r.structured?.deliver(...all);
    };
    group.inbox.list(actorId).then(done, (e: Error) => {
      this.ctx.log(`inbox of ${group.id}/${actorId}: ${e.message}`);
      done([]);
    });
  }

  /** Follow the group's ledger once, feeding new messages to running PTY actors. */
  private watch(group: Group): void {
    if (this.watched.has(group.id)) return;
    this.watched.add(group.id);
    group.ledger.subscribe((event) => {
      for (const actor of group.config.actors) {
        const r = this.running.get(this.key(group, actor.id));
        if (!r || !isDeliverable(actor.id, event, group)) continue;
        if (r.replay) {
          r.replay.held.push(event);
          continue;
        }
        r.queue?.enqueue(event);
        r.structured?.deliver(event);
      }
    });
  }

  private makeQueue(group: Group, actor: ActorConfig, scope: string): DeliveryQueue {
    const preset = runtimePreset(actor.runtime);
    return new DeliveryQueue({
      render: (events) => renderBatch(events, { groupDir: this.ctx.home.groupDir(group.id) }),
      mergePreamble: true,
      preamble: (merged) => this.preamble(group, actor, scope, merged),
      submit: preset.submit,
      waitForBracketedPaste: preset.waitForBracketedPaste,
      timings: this.timings,
      onDelivered: (ids) => {
        const last = ids.filter((id) => group.hasMessage(id)).at(-1);
        if (last)
          void group
            .markRead(actor.id, last)
            .catch((e) => this.ctx.log(`mark read ${actor.id}: ${e.message}`));
      },
      onError: (err) => this.ctx.log(`delivery to ${group.id}/${actor.id}: ${(err as Error).message}`),
    });
  }

  private preamble(group: Group, actor: ActorConfig, scope: string, merged = false): string {
    const foreman = group.foreman()?.id;
    return renderPreamble({
      merged,
      actorId: actor.id,
      actorTitle: actor.title || undefined,
      groupId: group.id,
      groupTitle: group.config.title,
      role: foreman === actor.id ? "foreman" : "peer",
      foremanId: foreman,
      peers: group.config.actors.filter((a) => a.id !== foreman).map((a) => a.id),
      scope,
    });
  }

  private makeStructured(group: Group, actor: ActorConfig, scope: string, env: NodeJS.ProcessEnv) {
    const stateDir = this.ctx.home.stateDir(group.id);
    // The prompt tool waits for a person: Claude Code must not give up on it before the timeout does.
    if (actor.permissions === "ask") env.MCP_TOOL_TIMEOUT ??= String((timeoutSeconds(group) + 120) * 1000);
    return new StructuredActor({
      group,
      actor,
      cwd: scope,
      env,
      logPath: this.logPath(group, actor.id),
      stateFile: structuredStateFile(stateDir, actor.id),
      hub: this.streams,
      approvals: this.ctx.approvals,
      timings: structuredTimingsFromEnv(this.env),
      render: (events) => renderBatch(events, { groupDir: this.ctx.home.groupDir(group.id) }),
      preamble: () => this.preamble(group, actor, scope),
      log: (line) => this.ctx.log(line),
    });
  }

  private onExit(group: Group, actor: ActorConfig, exit: ActorExit): void {
    if (exit.requested) return;
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    this.ctx.log(`actor ${group.id}/${actor.id} ${exit.status} (${how})`);
    // One batch, so a reader never sees the exit without its notice.
    void group
      .appendMany([
        {
          kind: "actor.exited",
          by: "system",
          data: {
            actor_id: actor.id,
            status: exit.status,
            code: exit.code,
            signal: exit.signal,
            restarting: exit.willRestart,
          },
        },
        { kind: "system.notify", by: "system", data: exitNotice(actor.id, exit, how) },
      ])
      .catch((e) => this.ctx.log(`record exit: ${e.message}`));
  }

  /**
   * Before the first start of a claude/codex/gemini actor, register the CCCC MCP server with that
   * CLI (once per daemon; an existing registration counts). A failure is logged, not fatal: the
   * agent can still answer with `cccc reply`, and `cccc setup --runtime R` shows the reason.
   */
  private async ensureMcp(runtime: string, env: NodeJS.ProcessEnv): Promise<void> {
    if (this.mcpChecked.has(runtime) || mcpRegistration(runtime, "cccc") === null) return;
    this.mcpChecked.add(runtime);
    await registerMcp(runtime, CLI_ENTRY, { env })
      .then((r) => this.ctx.log(`mcp registration for ${runtime}: ${r.status}`))
      .catch((e: Error) => this.ctx.log(`mcp registration for ${runtime} failed: ${e.message}`));
  }

  async start(group: Group, actorId: string): Promise<void> {
    const actor = group.actor(actorId);
    const key = this.key(group, actorId);
    if (this.running.get(key)?.proc.status === "running") return;
    await this.running.get(key)?.proc.stop();
    this.watch(group);
    const scope = group.config.scopes[0]?.url ?? this.ctx.home.groupDir(group.id);
    const argv = resolveCommand(actor.runtime, actor.command);
    // The daemon's env minus every credential CCCC knows of, plus the actor's own variables.
    const env = buildActorEnv({
      base: this.env,
      ...(await this.ctx.actorEnv.forStart(group, actor)),
      home: this.ctx.home.root,
      groupId: group.id,
      actorId: actor.id,
      ccccBinDir: this.binDir,
    });
    assertClaudeRootSandbox({ actorId, runtime: actor.runtime, argv, env, uid: process.getuid?.() });
    // The agent CLI registering the MCP server gets the actor's environment, not the daemon's.
    await this.ensureMcp(actor.runtime, env);
    const queue = actor.runner === "pty" ? this.makeQueue(group, actor, scope) : undefined;
    const structured =
      actor.runner === "structured" ? this.makeStructured(group, actor, scope, env) : undefined;
    const proc = new ActorProcess({
      runner: actor.runner,
      argv,
      cwd: scope,
      env,
      logPath: this.logPath(group, actor.id),
      log: logLimitsFromEnv(this.env),
      structured: structured && (() => structured.makeRunner()),
      restart: structured ? STRUCTURED_RESTART : undefined,
      onStart: (runner) => {
        const pty = queue !== undefined && "scrollback" in runner;
        if (pty) queue.reset(runner);
        if (pty || structured) this.replayInbox(group, actor.id);
      },
      onExit: (exit) => this.onExit(group, actor, exit),
    });
    mkdirSync(join(this.ctx.home.stateDir(group.id), "actors"), { recursive: true });
    this.running.set(key, { proc, queue, structured });
    await proc.start();
    if (!actor.enabled) await group.updateConfig((c) => setEnabled(c.actors, actorId, true));
    await group.append("actor.started", "user", {
      actor_id: actorId,
      runner: actor.runner,
      pid: proc.pid ?? null,
    });
  }

  async stop(group: Group, actorId: string): Promise<void> {
    const key = this.key(group, actorId);
    const r = this.running.get(key);
    this.running.delete(key);
    r?.queue?.stop();
    r?.structured?.close();
    await r?.proc.stop();
    if (group.config.actors.find((a) => a.id === actorId)?.enabled) {
      await group.updateConfig((c) => setEnabled(c.actors, actorId, false));
    }
    if (r) await group.append("actor.stopped", "user", { actor_id: actorId });
  }

  /**
   * Stops the actor's running turn: a structured session gets the CLI's interrupt request; a PTY
   * actor gets Escape (Claude Code's and Codex's own "stop"). False when nothing was running.
   */
  async interrupt(group: Group, actorId: string): Promise<boolean> {
    const actor = group.actor(actorId);
    const r = this.running.get(this.key(group, actorId));
    if (!r) return false;
    if (r.proc.status !== "running") return false;
    if (r.structured) return r.structured.interrupt();
    const pty = r.proc.pty;
    if (actor.runner === "pty" && pty?.running) {
      pty.write("\x1b");
      return true;
    }
    return false;
  }

  async restart(group: Group, actorId: string): Promise<void> {
    await this.stop(group, actorId);
    await this.start(group, actorId);
  }

  async startGroup(group: Group): Promise<void> {
    await group.updateConfig((c) => {
      c.running = true;
      if (c.state === "stopped") c.state = "active";
    });
    for (const actor of group.config.actors) await this.start(group, actor.id);
    await group.append("group.started", "user", { started: group.config.actors.map((a) => a.id) });
  }

  /** After a daemon restart: start the enabled actors of a group that was running. */
  async resume(group: Group): Promise<void> {
    for (const actor of group.config.actors.filter((a) => a.enabled)) await this.start(group, actor.id);
  }

  async stopGroup(group: Group): Promise<void> {
    for (const actor of group.config.actors) await this.stop(group, actor.id);
    await group.updateConfig((c) => {
      c.running = false;
      c.state = "stopped";
    });
    await group.append("group.stopped", "user", { stopped: group.config.actors.map((a) => a.id) });
  }

  async close(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    this.streams.close();
    await Promise.all(
      all.map(async (r) => {
        r.queue?.stop();
        r.structured?.close();
        await r.proc.stop().catch(() => undefined);
      }),
    );
  }
}

/**
 * The notice for an exit nobody asked for (docs/runners.md "Exited and crashed"): a crash is urgent;
 * a clean exit (code 0) is a normal-priority note that the agent finished and no longer runs.
 */
function exitNotice(actorId: string, exit: ActorExit, how: string): SystemNotifyData {
  const restart = ` Start it again with "cccc actor start ${actorId}".`;
  if (exit.status === "exited") {
    return {
      kind: "actor_exited",
      priority: "normal",
      title: `Actor ${actorId} finished`,
      message: `${actorId} exited normally (exit code 0) and is no longer running.${restart}`,
      target_actor_id: null,
      im_visibility: "public",
    };
  }
  return {
    kind: "actor_crashed",
    priority: "high",
    title: `Actor ${actorId} stopped unexpectedly`,
    message: `${actorId} exited with ${how}.${exit.willRestart ? " Restarting it." : restart}`,
    target_actor_id: null,
    im_visibility: "public",
  };
}

/** Typed into an actor's terminal: chat messages for it, and system notices aimed at it. */
function isDeliverable(actorId: string, event: LedgerEvent, group: Group): boolean {
  if (event.kind === "chat.message") {
    return isMessageFor(actorId, event as LedgerEvent<ChatMessageData>, group.config.actors);
  }
  return (
    event.kind === "system.notify" &&
    (event.data as { target_actor_id?: unknown }).target_actor_id === actorId
  );
}

function setEnabled(actors: ActorConfig[], actorId: string, enabled: boolean): void {
  const actor = actors.find((a) => a.id === actorId);
  if (actor) actor.enabled = enabled;
}
