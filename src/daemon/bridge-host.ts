import { join } from "node:path";
import type { ApprovalView, BridgeApprovals, BridgeHost, ReplyStreamEvent } from "../im/types.js";
import type { ApprovalRecord } from "../kernel/approval.js";
import type { LedgerEventData, LedgerKind } from "../kernel/event-kinds.js";
import type { Group, SendInput } from "../kernel/group.js";
import { TickBatch } from "../kernel/tick-batch.js";
import type { Attachment, ChatMessageEvent, LedgerEvent, MessageSource } from "../kernel/types.js";
import type { DaemonContext } from "./context.js";

/** The bridge's platform as the host needs it: its id (a decision's `via`, the approvers key's prefix) and its approvers. */
export interface HostPlatform {
  id: string;
  approvers(im: Record<string, unknown>): readonly string[] | undefined;
}

/** The kernel as one group's IM bridge sees it. */
export class GroupBridgeHost implements BridgeHost {
  readonly approvals: BridgeApprovals;
  /** The user messages of one tick go to the ledger in one append (Group.sendMany). */
  private readonly userMessages: TickBatch<SendInput, ChatMessageEvent>;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly group: Group,
    readonly log: (line: string) => void,
    platform: HostPlatform,
  ) {
    this.userMessages = new TickBatch((inputs) => this.group.sendMany(inputs));
    this.approvals = {
      pending: async () => (await this.ctx.approvals.list(this.group)).pending.map(view),
      decide: async (id, input) =>
        view(await this.ctx.approvals.decide(this.group, id, { ...input, via: platform.id })),
      approversKey: `im.${platform.id}_approvers`,
      // Read on each decision, so an edited group.yaml applies without a restart.
      approvers: () => {
        const im = this.group.config.im;
        return im ? platform.approvers(im) : undefined;
      },
    };
  }

  get groupId(): string {
    return this.group.id;
  }

  get stateDir(): string {
    return join(this.ctx.home.stateDir(this.group.id), "im");
  }

  groupInfo() {
    const foreman = this.group.foreman()?.id;
    // Structured sessions tell whether they are in a turn, and what they do (live chat.stream).
    const turns = new Map<string, string>(
      this.ctx.actors.streams.snapshots(this.group.id).map((s) => [s.data.actor_id, s.data.activity]),
    );
    return {
      title: this.group.config.title,
      state: this.group.config.state,
      actors: this.group.config.actors.map((a) => {
        const { status, attention } = this.ctx.actors.status(this.group, a.id);
        return {
          id: a.id,
          title: a.title,
          role: a.id === foreman ? ("foreman" as const) : ("peer" as const),
          runtime: a.runtime,
          status,
          streams: a.runner === "structured",
          unread: this.group.inbox.count(a.id),
          ...(attention ? { attention: { message: attention.message, screen: attention.screen } } : {}),
          ...(a.runner === "structured" && status === "running"
            ? turns.has(a.id)
              ? { turn: "working" as const, activity: turns.get(a.id) ?? "" }
              : { turn: "idle" as const }
            : {}),
        };
      }),
    };
  }

  appendUserMessage(input: { text: string; to: string[]; attachments: Attachment[]; source: MessageSource }) {
    return this.userMessages.add({ by: "user", ...input });
  }

  appendEvent<K extends LedgerKind>(kind: K, data: LedgerEventData[K]): Promise<LedgerEvent> {
    return this.group.append(kind, "system", data);
  }

  readEvents(afterSeq: number, limit: number): Promise<LedgerEvent[]> {
    return this.group.ledger.read(afterSeq, limit);
  }

  lastSeq(): number {
    return this.group.ledger.lastSeq();
  }

  subscribe(listener: (event: LedgerEvent) => void): () => void {
    return this.group.ledger.subscribe(listener);
  }

  subscribeStreams(listener: (event: ReplyStreamEvent) => void): () => void {
    return this.ctx.actors.streams.subscribe(this.group.id, ({ data }) =>
      listener({
        streamId: data.stream_id,
        op: data.op,
        actorId: data.actor_id,
        text: data.text,
        activity: data.activity,
        to: data.to,
        ...(data.reply_to ? { replyTo: data.reply_to } : {}),
        ...(data.state ? { state: data.state } : {}),
        ...(data.error ? { error: data.error } : {}),
        ...(data.event_id ? { eventId: data.event_id } : {}),
      }),
    );
  }

  putBlob(bytes: Buffer, name: string, mime: string): Promise<Attachment> {
    return this.group.blobs.put(bytes, name, mime);
  }

  interrupt(actorId: string): Promise<boolean> {
    return this.ctx.actors.interrupt(this.group, actorId);
  }

  blobPath(attachment: Attachment): string {
    return this.group.blobs.resolve(attachment.path);
  }
}

function view(r: ApprovalRecord): ApprovalView {
  return {
    approval_id: r.approval_id,
    actor_id: r.actor_id,
    tool: r.tool,
    summary: r.summary,
    status: r.status,
    expires_at: r.expires_at,
  };
}
