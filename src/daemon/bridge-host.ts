import { join } from "node:path";
import type { BridgeHost } from "../im/types.js";
import type { LedgerEventData, LedgerKind } from "../kernel/event-kinds.js";
import type { Group } from "../kernel/group.js";
import type { Attachment, LedgerEvent, MessageSource } from "../kernel/types.js";
import type { DaemonContext } from "./context.js";

/** The kernel as one group's IM bridge sees it. */
export class GroupBridgeHost implements BridgeHost {
  constructor(
    private readonly ctx: DaemonContext,
    private readonly group: Group,
    readonly log: (line: string) => void,
  ) {}

  get groupId(): string {
    return this.group.id;
  }

  get stateDir(): string {
    return join(this.ctx.home.stateDir(this.group.id), "im");
  }

  groupInfo() {
    const foreman = this.group.foreman()?.id;
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
          unread: this.group.inbox.count(a.id),
          ...(attention ? { attention: { message: attention.message, screen: attention.screen } } : {}),
        };
      }),
    };
  }

  appendUserMessage(input: { text: string; to: string[]; attachments: Attachment[]; source: MessageSource }) {
    return this.group.send({ by: "user", ...input });
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
