import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ActorSummary, BridgeHost } from "../../../src/im/types.js";
import type { Attachment, LedgerEvent, MessageSource } from "../../../src/kernel/types.js";

/** An in-memory BridgeHost with a real temp directory for state files and blobs. */
export class FakeHost implements BridgeHost {
  readonly groupId = "g_test";
  readonly groupDir: string;
  readonly stateDir: string;
  events: LedgerEvent[] = [];
  logs: string[] = [];
  info: { title: string; state: string; actors: ActorSummary[] } = {
    title: "Demo Group",
    state: "active",
    actors: [
      { id: "lead", title: "Lead", role: "foreman", runtime: "claude", status: "running", unread: 0 },
      { id: "reviewer", title: "Reviewer", role: "peer", runtime: "codex", status: "stopped", unread: 2 },
    ],
  };
  /** Actors with a running turn (for /stop), and the interrupts asked for. */
  turns = new Set<string>(["lead"]);
  interrupts: string[] = [];
  /** Make appendUserMessage fail with this error. */
  appendError: Error | undefined;
  private listeners = new Set<(event: LedgerEvent) => void>();

  constructor(root?: string) {
    const base = root ?? mkdtempSync(join(tmpdir(), "cccc-im-"));
    this.groupDir = join(base, "groups", this.groupId);
    this.stateDir = join(this.groupDir, "state", "im");
    mkdirSync(this.stateDir, { recursive: true });
  }

  /** The CCCC_HOME of this host. */
  get home(): string {
    return join(this.groupDir, "..", "..");
  }

  cleanup(): void {
    rmSync(this.home, { recursive: true, force: true });
  }

  groupInfo() {
    return this.info;
  }

  async interrupt(actorId: string): Promise<boolean> {
    this.interrupts.push(actorId);
    return this.turns.delete(actorId);
  }

  private append(kind: string, by: string, data: Record<string, unknown>): LedgerEvent {
    const seq = this.events.length + 1;
    const event: LedgerEvent = {
      v: 1,
      id: `ev${seq}`,
      seq,
      ts: new Date().toISOString(),
      kind,
      group_id: this.groupId,
      by,
      data,
    };
    this.events.push(event);
    for (const l of this.listeners) l(event);
    return event;
  }

  async appendUserMessage(input: {
    text: string;
    to: string[];
    attachments: Attachment[];
    source: MessageSource;
  }) {
    if (this.appendError) throw this.appendError;
    const existing = this.events.find(
      (e) =>
        e.kind === "chat.message" &&
        (e.data.source as MessageSource | undefined)?.message_id === input.source.message_id &&
        (e.data.source as MessageSource | undefined)?.chat_id === input.source.chat_id,
    );
    if (existing) return existing;
    return this.append("chat.message", "user", { ...input });
  }

  async appendEvent(kind: string, data: Record<string, unknown>) {
    return this.append(kind, "system", data);
  }

  /** An agent writes a chat.message. */
  say(by: string, text: string, to: string[] = [], extra: Record<string, unknown> = {}): LedgerEvent {
    return this.append("chat.message", by, { text, to, attachments: [], ...extra });
  }

  /** Anything else in the ledger (system.notify, actor.*, …). */
  write(kind: string, by: string, data: Record<string, unknown>): LedgerEvent {
    return this.append(kind, by, data);
  }

  userMessages(): LedgerEvent[] {
    return this.events.filter((e) => e.kind === "chat.message" && e.by === "user");
  }

  kinds(prefix: string): string[] {
    return this.events.filter((e) => e.kind.startsWith(prefix)).map((e) => e.kind);
  }

  async readEvents(afterSeq: number, limit: number) {
    return this.events.filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  lastSeq() {
    return this.events.length;
  }

  subscribe(listener: (event: LedgerEvent) => void) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async putBlob(bytes: Buffer, name: string, mime: string): Promise<Attachment> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const path = `blobs/${sha256}_${name}`;
    mkdirSync(join(this.groupDir, "blobs"), { recursive: true });
    writeFileSync(join(this.groupDir, path), bytes);
    return { path, name, mime, bytes: bytes.length, sha256 };
  }

  blobPath(attachment: Attachment): string {
    return join(this.groupDir, attachment.path);
  }

  log(line: string): void {
    this.logs.push(line);
  }
}
