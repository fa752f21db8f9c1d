/**
 * The approval inbox of every group (docs/approvals.md). State is the ledger: `approval.requested`
 * and `approval.decided` events are folded into records when a group is first used, so pending
 * requests survive a daemon restart and their timeouts are re-armed. The agent's MCP prompt tool
 * long-polls `wait()`; a decision for an agent that is gone (its process restarted) is handed over
 * as a message, and an identical retry is then allowed at once.
 */

import { randomBytes } from "node:crypto";
import {
  type ApprovalDecidedData,
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalRequestedData,
  type ApprovalVia,
  applyDecision,
  clipInput,
  recordOf,
  summarizeToolCall,
} from "../kernel/approval.js";
import { DEFAULT_APPROVAL_TIMEOUT_S } from "../kernel/config.js";
import { CcccError, NotFoundError } from "../kernel/errors.js";
import type { Group } from "../kernel/group.js";
import type { LedgerEvent } from "../kernel/types.js";

export interface ApprovalRequestInput {
  actor_id: string;
  tool_name: string;
  input: Record<string, unknown>;
  tool_use_id: string;
}

export interface DecideInput {
  decision: ApprovalDecision;
  decided_by: string;
  via: ApprovalVia;
  chat_id?: string;
  reason?: string;
}

export interface ApprovalServiceDeps {
  /** The actor's current process id (undefined when not running). */
  pidOf(group: Group, actorId: string): number | undefined;
  log(line: string): void;
  now?: () => number;
}

const HISTORY = 200;
const PAGE = 1000;

interface GroupInbox {
  records: Map<string, ApprovalRecord>;
  order: string[];
  timers: Map<string, NodeJS.Timeout>;
  waiters: Map<string, Set<() => void>>;
  /** "Always for this session" rules: `<actor>\0<tool>\0<pid>` (the agent's process is its session). */
  always: Set<string>;
  /** One-shot pre-approvals of a handed-over request: `<actor>\0<tool>\0<input json>`. */
  preapproved: Set<string>;
  /** Serializes request/decide per group so a decision is recorded once. */
  queue: Promise<unknown>;
}

export class ApprovalService {
  private readonly inboxes = new Map<string, Promise<GroupInbox>>();
  private closed = false;

  constructor(private readonly deps: ApprovalServiceDeps) {}

  /** The daemon is shutting down: waits return at once. */
  get isClosed(): boolean {
    return this.closed;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Loads a group's records from its ledger and re-arms the timeouts of pending ones. */
  inbox(group: Group): Promise<GroupInbox> {
    let p = this.inboxes.get(group.id);
    if (!p) {
      p = this.load(group);
      this.inboxes.set(group.id, p);
    }
    return p;
  }

  private async load(group: Group): Promise<GroupInbox> {
    const box: GroupInbox = {
      records: new Map(),
      order: [],
      timers: new Map(),
      waiters: new Map(),
      always: new Set(),
      preapproved: new Set(),
      queue: Promise.resolve(),
    };
    let after = 0;
    for (;;) {
      const events = await group.ledger.read(after, PAGE);
      for (const e of events) this.fold(box, e);
      if (events.length < PAGE) break;
      after = events.at(-1)?.seq ?? after;
    }
    for (const r of box.records.values()) if (r.status === "pending") this.arm(group, box, r);
    return box;
  }

  private fold(box: GroupInbox, e: LedgerEvent): void {
    if (e.kind === "approval.requested") {
      const r = recordOf(e);
      box.records.set(r.approval_id, r);
      box.order.push(r.approval_id);
    } else if (e.kind === "approval.decided") {
      const data = e.data as ApprovalDecidedData;
      const r = box.records.get(data.approval_id);
      if (!r) return;
      applyDecision(r, e);
      if (data.decision === "always" && r.pid !== undefined) box.always.add(alwaysKey(r));
      if (data.handed_over && data.decision !== "deny") box.preapproved.add(preKey(r));
    }
  }

  private arm(group: Group, box: GroupInbox, r: ApprovalRecord): void {
    const ms = Math.max(0, Date.parse(r.expires_at) - this.now());
    const timer = setTimeout(() => {
      box.timers.delete(r.approval_id);
      const minutes = timeoutSeconds(group) / 60;
      const seconds = timeoutSeconds(group);
      const span =
        minutes >= 1 ? `${+minutes.toFixed(1)} minutes` : `${seconds} second${seconds === 1 ? "" : "s"}`;
      void this.decide(group, r.approval_id, {
        decision: "deny",
        decided_by: "system",
        via: "timeout",
        reason: `Nobody decided within ${span} (approval_timeout), so it was denied.`,
      }).catch((e: Error) => this.deps.log(`approval ${r.approval_id} timeout: ${e.message}`));
    }, ms);
    timer.unref?.();
    box.timers.set(r.approval_id, timer);
  }

  private serial<T>(box: GroupInbox, fn: () => Promise<T>): Promise<T> {
    const next = box.queue.then(fn, fn);
    box.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * An agent asks. Idempotent on (actor, tool_use_id): a retried call (e.g. after the daemon came
   * back) gets the same record. An "always" rule or a handed-over approval answers at once.
   */
  async request(group: Group, input: ApprovalRequestInput): Promise<ApprovalRecord> {
    group.actor(input.actor_id);
    const box = await this.inbox(group);
    return this.serial(box, async () => {
      const same = [...box.records.values()].find(
        (r) => r.actor_id === input.actor_id && r.tool_use_id === input.tool_use_id,
      );
      if (same) return same;
      const data: ApprovalRequestedData = {
        approval_id: this.newId(box),
        actor_id: input.actor_id,
        tool: input.tool_name,
        summary: summarizeToolCall(input.tool_name, input.input),
        input: clipInput(input.input),
        tool_use_id: input.tool_use_id,
        expires_at: new Date(this.now() + timeoutSeconds(group) * 1000).toISOString(),
      };
      const pid = this.deps.pidOf(group, input.actor_id);
      if (pid !== undefined) data.pid = pid;
      const e = await group.append("approval.requested", input.actor_id, data);
      this.fold(box, e);
      const r = box.records.get(data.approval_id) ?? recordOf(e);
      const pre = preKey(r);
      const rule = pid !== undefined && box.always.has(alwaysKey(r));
      if (rule || box.preapproved.has(pre)) {
        box.preapproved.delete(pre);
        await this.record(group, box, r, {
          decision: "approve",
          decided_by: "system",
          via: "rule",
          reason: rule ? `"Always" was chosen for ${r.tool} of ${r.actor_id}.` : "Approved before a restart.",
        });
      } else {
        this.arm(group, box, r);
      }
      return r;
    });
  }

  async decide(group: Group, id: string, input: DecideInput): Promise<ApprovalRecord> {
    const box = await this.inbox(group);
    return this.serial(box, async () => {
      const r = this.find(box, id);
      if (r.status !== "pending") {
        const d = r.decision;
        throw new CcccError(
          "approval_decided",
          `Approval ${r.approval_id} was already ${r.status} by ${d?.decided_by ?? "someone"} (${d?.via ?? "?"}).`,
          409,
          // What a chat tells the person who tapped an old button (src/im/approval-commands.ts).
          {
            approval_id: r.approval_id,
            status: r.status,
            decided_by: d?.decided_by,
            via: d?.via,
            decided_at: d?.decided_at,
          },
        );
      }
      await this.record(group, box, r, input);
      return r;
    });
  }

  private async record(group: Group, box: GroupInbox, r: ApprovalRecord, input: DecideInput): Promise<void> {
    const gone = r.pid !== undefined && this.deps.pidOf(group, r.actor_id) !== r.pid;
    const data: ApprovalDecidedData = {
      approval_id: r.approval_id,
      actor_id: r.actor_id,
      tool: r.tool,
      decision: input.decision,
      decided_by: input.decided_by,
      via: input.via,
      ...(input.chat_id ? { chat_id: input.chat_id } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
      ...(gone ? { handed_over: true } : {}),
    };
    clearTimeout(box.timers.get(r.approval_id));
    box.timers.delete(r.approval_id);
    const e = await group.append("approval.decided", "system", data);
    this.fold(box, e);
    for (const wake of box.waiters.get(r.approval_id) ?? []) wake();
    box.waiters.delete(r.approval_id);
    if (gone) await this.handOver(group, r, data);
  }

  /** The agent that asked was restarted: tell the new session what was decided. */
  private async handOver(group: Group, r: ApprovalRecord, d: ApprovalDecidedData): Promise<void> {
    const allowed = d.decision !== "deny";
    const text = allowed
      ? `Approval ${r.approval_id} (${r.summary.split("\n")[0]}) was approved by ${d.decided_by} after you were restarted. Run that ${r.tool} call again now, exactly as before; it will be allowed.`
      : `Approval ${r.approval_id} (${r.summary.split("\n")[0]}) was denied by ${d.decided_by} after you were restarted${d.reason ? `: ${d.reason}` : ""}. Do not run it.`;
    await group
      .send({ by: "system", to: [r.actor_id], text, client_id: `approval-handover:${r.approval_id}` })
      .catch((e: Error) => this.deps.log(`approval ${r.approval_id} hand-over: ${e.message}`));
  }

  /** Waits up to `ms` for a decision; returns the record either way. */
  async wait(group: Group, id: string, ms: number): Promise<ApprovalRecord> {
    const box = await this.inbox(group);
    const r = this.find(box, id);
    if (r.status !== "pending" || ms <= 0 || this.closed) return r;
    await new Promise<void>((resolve) => {
      const set = box.waiters.get(r.approval_id) ?? new Set();
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      box.waiters.set(r.approval_id, set);
    });
    return r;
  }

  async list(group: Group): Promise<{ pending: ApprovalRecord[]; history: ApprovalRecord[] }> {
    const box = await this.inbox(group);
    const all = box.order.map((id) => box.records.get(id)).filter((r): r is ApprovalRecord => !!r);
    return {
      pending: all.filter((r) => r.status === "pending"),
      history: all
        .filter((r) => r.status !== "pending")
        .reverse()
        .slice(0, HISTORY),
    };
  }

  private find(box: GroupInbox, id: string): ApprovalRecord {
    const r = box.records.get(id.trim().toLowerCase());
    if (!r)
      throw new NotFoundError(
        "approval_not_found",
        `No approval "${id}". List the pending ones with /approvals or "cccc approval list".`,
      );
    return r;
  }

  private newId(box: GroupInbox): string {
    for (;;) {
      const id = randomBytes(4).readUInt32BE(0).toString(36).padStart(6, "0").slice(-6);
      if (!box.records.has(id)) return id;
    }
  }

  /** Stops every timer and wakes every waiter (daemon shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.inboxes.values()) {
      const box = await p.catch(() => undefined);
      if (!box) continue;
      for (const t of box.timers.values()) clearTimeout(t);
      box.timers.clear();
      for (const set of box.waiters.values()) for (const wake of set) wake();
      box.waiters.clear();
    }
  }
}

function alwaysKey(r: Pick<ApprovalRecord, "actor_id" | "tool" | "pid">): string {
  return `${r.actor_id}\0${r.tool}\0${r.pid}`;
}

function preKey(r: Pick<ApprovalRecord, "actor_id" | "tool" | "input">): string {
  return `${r.actor_id}\0${r.tool}\0${JSON.stringify(r.input)}`;
}

export function timeoutSeconds(group: Group): number {
  return group.config.approval_timeout ?? DEFAULT_APPROVAL_TIMEOUT_S;
}
