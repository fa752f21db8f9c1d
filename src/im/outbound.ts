import type { LedgerEvent } from "../kernel/types.js";
import { approvalItem } from "./approval-outbound.js";
import { errorMessage } from "./bridge-errors.js";
import { chatTargetOf } from "./chat-target.js";
import type { OutboundDeps } from "./outbound-deps.js";
import { type JobContext, outboundJob } from "./outbound-job.js";
import { EventMedia } from "./outbound-media.js";
import { chatReceives, classifyEvent, type OutboundItem } from "./routing.js";
import { ChatSendQueue, type SendJob } from "./send-queue.js";
import type { AuthorizedChat } from "./state.js";
import type { ChatTarget, OutboundContent } from "./types.js";

const PAGE = 200;
/** Ledger events being delivered at once; the pump waits (the ledger is the durable buffer). */
const MAX_IN_FLIGHT = 1000;
/** Command replies waiting in one chat's queue before more are refused (logged and counted). */
const MAX_QUEUED_REPLIES = 100;

/**
 * Follows the ledger from the persisted cursor and delivers what IM chats should see.
 * Catch-up and live events go through one pump reading `readEvents(after, n)`; the live listener
 * only wakes it, so there are no gaps and no double reads. The cursor advances past an event only
 * when every target chat got it (or it was given up on with a logged reason); per-chat progress
 * beyond the cursor is persisted too, so a restart re-sends at most the one in-flight message.
 */
export class OutboundFollower {
  private readSeq = 0;
  private committed = 0;
  private remaining = new Map<number, number>();
  private order: number[] = [];
  private queues = new Map<string, ChatSendQueue>();
  private abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private dirty = true;
  private unsubscribe: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private capacityWaiters: Array<() => void> = [];
  private lastNotice = new Map<string, number>();
  private pumpDone: Promise<void> = Promise.resolve();
  private replies = new Map<string, number>();
  /** Per chat, the ledger seqs pushed to its queue and not finished yet. */
  private queuedSeqs = new Map<string, Set<number>>();
  /** Replies refused since start because the chat's queue was full. */
  refused = 0;

  private readonly jobs: JobContext;

  constructor(private readonly deps: OutboundDeps) {
    this.jobs = {
      deps,
      target: (chat) => this.target(chat),
      done: (item, chat, outcome) =>
        this.finish(item, chat, outcome).catch((e: unknown) => deps.log(`[outbound] ${errorMessage(e)}`)),
    };
  }

  async start(): Promise<void> {
    const { state, host } = this.deps;
    this.abort = new AbortController();
    // First run ever: start at the end, so an old history is not dumped into new chats.
    if (!state.cursor()) await state.setCursor(host.lastSeq());
    this.readSeq = this.committed = state.cursor()?.seq ?? 0;
    this.dirty = true;
    this.unsubscribe = host.subscribe(() => this.wake());
    this.pumpDone = this.pump().catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.deps.onFatal(error);
    });
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error("bridge stopped"));
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.wake();
    for (const w of this.capacityWaiters.splice(0)) w();
    await this.pumpDone;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.deps.state
      .setCursor(this.committed)
      .catch((e: unknown) => this.deps.log(`[outbound] ${errorMessage(e)}`));
    this.queues.clear();
    this.queuedSeqs.clear();
    this.remaining.clear();
    this.order = [];
  }

  /** Highest seq handled for every chat (what the cursor file will say). */
  get cursor(): number {
    return this.committed;
  }

  /** Messages in one chat's send queue (being sent or waiting for the platform's limits). */
  queuedFor(chatId: string): number {
    return this.queues.get(chatId)?.size ?? 0;
  }

  /** Messages in the chats' send queues (being sent or waiting for the platform's limits). */
  waiting(): { messages: number; chats: number } {
    let messages = 0;
    let chats = 0;
    for (const q of this.queues.values()) {
      messages += q.size;
      if (q.size > 0) chats++;
    }
    return { messages, chats };
  }

  /** True when everything up to the ledger's end was handled (tests). */
  isIdle(): boolean {
    return this.readSeq >= this.deps.host.lastSeq() && this.order.length === 0;
  }

  /** The chat sent us something: it exists again. */
  revive(chatId: string): void {
    this.queues.get(chatId)?.revive();
  }

  /** Send a command reply through the chat's queue (ordered with agent messages, retried). */
  reply(target: ChatTarget, content: OutboundContent): Promise<void> {
    const chatId = target.chatId;
    const waiting = this.replies.get(chatId) ?? 0;
    if (waiting >= MAX_QUEUED_REPLIES) {
      this.refused++;
      this.deps.log(
        `[outbound] reply to ${chatId} not queued: ${waiting} replies already waiting for this chat`,
      );
      return Promise.resolve();
    }
    this.replies.set(chatId, waiting + 1);
    const progress = { sent: 0 };
    return new Promise((resolve) => {
      this.queue(chatId).push({
        label: "reply",
        urgent: true,
        steps: [() => this.deps.adapter.send(target, content, progress)],
        done: () => {
          const left = (this.replies.get(chatId) ?? 1) - 1;
          if (left > 0) this.replies.set(chatId, left);
          else this.replies.delete(chatId);
          resolve();
        },
      });
    });
  }

  private wake(): void {
    this.dirty = true;
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async pump(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (!this.dirty) {
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
        });
        continue;
      }
      this.dirty = false;
      for (;;) {
        const events = await this.deps.host.readEvents(this.readSeq, PAGE);
        if (signal.aborted) return;
        for (const event of events) {
          if (event.seq <= this.readSeq) continue;
          // Awaited only when there is something to wait for: a burst brings thousands of events.
          if (this.order.length >= MAX_IN_FLIGHT) await this.waitForCapacity();
          if (signal.aborted) return;
          const delivering = this.dispatch(event);
          if (delivering) await delivering;
          this.readSeq = event.seq;
        }
        if (events.length < PAGE) break;
      }
    }
  }

  private async waitForCapacity(): Promise<void> {
    while (this.order.length >= MAX_IN_FLIGHT && !this.abort.signal.aborted) {
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
    }
  }

  /** Undefined when there is nothing to deliver (the user's own messages, internal events). */
  private dispatch(event: LedgerEvent): Promise<void> | undefined {
    const item =
      approvalItem(event, this.deps.approvalReplies, this.deps.now()) ??
      // The user's own events are never echoed: no need to build the group's actor list for them.
      classifyEvent(event, event.by === "user" ? [] : this.deps.host.groupInfo().actors);
    if (item) return this.deliver(event, item);
    // Only the cursor moves.
    this.order.push(event.seq);
    this.remaining.set(event.seq, 0);
    this.advance();
    return undefined;
  }

  private async deliver(event: LedgerEvent, item: OutboundItem): Promise<void> {
    const { state, host } = this.deps;
    const targets: AuthorizedChat[] = [];
    // A decision updates its card in every chat that showed it, even one that gets no messages now.
    const decided = item.approval?.decided ? item.approval.view.approval_id : undefined;
    const cardChats = new Set(decided ? (this.deps.approvalCards?.()?.chatsOf(decided) ?? []) : []);
    const cardOnly = new Set<string>();
    for (const chat of state.listAuthorized()) {
      const sub = state.subscription(chat.chat_id);
      const decision = chatReceives(chat, sub, item.audience);
      if (decision !== "deliver" && cardChats.has(chat.chat_id) && !state.chatHas(chat.chat_id, event.seq)) {
        targets.push(chat);
        cardOnly.add(chat.chat_id);
      }
      if (decision === "held_back" && sub) {
        await state.setSubscription(
          chat.chat_id,
          { held_back: sub.held_back + 1 },
          new Date(this.deps.now()),
        );
      } else if (decision === "deliver" && !state.chatHas(chat.chat_id, event.seq)) {
        targets.push(chat);
      }
    }
    this.order.push(event.seq);
    this.remaining.set(event.seq, targets.length);
    if (targets.length === 0) {
      this.advance();
      return;
    }
    const media = new EventMedia(
      host,
      this.deps.adapter,
      { ...this.deps.files, replies: this.deps.replies },
      {
        by: item.by,
        seq: item.seq,
        eventId: item.eventId,
        isActor: host.groupInfo().actors.some((a) => a.id === item.by),
      },
    );
    for (const chat of targets) {
      const queued = this.queuedSeqs.get(chat.chat_id) ?? new Set<number>();
      queued.add(item.seq);
      this.queuedSeqs.set(chat.chat_id, queued);
      this.queue(chat.chat_id).push(outboundJob(this.jobs, item, chat, media, cardOnly.has(chat.chat_id)));
    }
  }

  private async finish(
    item: OutboundItem,
    chat: AuthorizedChat,
    outcome: Parameters<SendJob["done"]>[0],
  ): Promise<void> {
    const { state } = this.deps;
    if (outcome.status === "aborted") return; // stopped: not delivered, the cursor stays before it
    const queued = this.queuedSeqs.get(chat.chat_id);
    queued?.delete(item.seq);
    // An earlier message to this chat is still queued (this one jumped ahead of it).
    const outOfOrder = [...(queued ?? [])].some((s) => s < item.seq);
    try {
      if (outcome.status === "gone") {
        const at = new Date(this.deps.now()).toISOString();
        if (!state.authorized(chat.chat_id)?.gone) {
          await state.updateAuthorized(chat.chat_id, { gone: { at, reason: outcome.reason ?? "chat gone" } });
        }
      } else {
        await state.setChatDelivered(chat.chat_id, item.seq, outOfOrder);
      }
      if (outcome.status === "delivered" && item.audience === "user") {
        this.deps.indicators.complete(chat.chat_id, item.replyTo);
      }
      if (outcome.status === "failed")
        await this.notice(chat.chat_id, item.seq, outcome.reason ?? "unknown error");
    } finally {
      this.partDone(item.seq);
    }
  }

  /** A failed delivery is logged and recorded as an internal system notice (rate-limited per chat). */
  private async notice(chatId: string, seq: number, reason: string): Promise<void> {
    const now = this.deps.now();
    const last = this.lastNotice.get(chatId);
    if (last !== undefined && now - last < (this.deps.noticeIntervalMs ?? 10 * 60_000)) return;
    this.lastNotice.set(chatId, now);
    await this.deps.host
      .appendEvent("system.notify", {
        kind: "im_delivery_failed",
        priority: "normal",
        title: "IM delivery failed",
        message: `Could not deliver event #${seq} to chat ${chatId}: ${reason}. See \`cccc im logs\`.`,
        target_actor_id: null,
        im_visibility: "internal",
      })
      .catch((e: unknown) => this.deps.log(`[outbound] cannot record notice: ${errorMessage(e)}`));
  }

  private target(chat: AuthorizedChat): ChatTarget {
    return chatTargetOf(this.deps.state, chat.chat_id, chat.chat_type);
  }

  private queue(chatId: string): ChatSendQueue {
    let q = this.queues.get(chatId);
    if (!q) {
      q = new ChatSendQueue(chatId, this.deps.retry, this.abort.signal, this.deps.log);
      this.queues.set(chatId, q);
    }
    return q;
  }

  private partDone(seq: number): void {
    const left = (this.remaining.get(seq) ?? 1) - 1;
    this.remaining.set(seq, left);
    this.advance();
  }

  private advance(): void {
    let moved = false;
    for (;;) {
      const head = this.order[0];
      if (head === undefined || (this.remaining.get(head) ?? 0) > 0) break;
      this.order.shift();
      this.remaining.delete(head);
      this.committed = head;
      moved = true;
    }
    if (!moved) return;
    for (const w of this.capacityWaiters.splice(0)) w();
    if (this.flushTimer || this.abort.signal.aborted) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.deps.state
        .setCursor(this.committed)
        .catch((e: unknown) => this.deps.log(`[outbound] cannot save cursor: ${errorMessage(e)}`));
    }, this.deps.cursorFlushMs ?? 200);
  }
}
