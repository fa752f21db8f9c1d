/**
 * Approval requests as cards updated in place (docs/approvals.md): each request becomes a
 * card in every chat that shows it (`openBoard`: the summary, and in direct chats the buttons as
 * links); its decision rewrites each of those cards (who, from where, when; no buttons). Which card
 * went to which chat is kept in `state/im/approval-cards.json`, so a decision after a restart still
 * finds its cards. A card that cannot be made or updated falls back to messages (the caller sends
 * them); a missing card permission turns approval cards off for the run, with one hint per chat
 * (each chat is told when its first request after that comes as a message).
 */
import { join } from "node:path";
import { errorMessage } from "../bridge-errors.js";
import type { ApprovalReplies } from "../replies/approvals.js";
import { stamp, viaShown } from "../replies/approvals.js";
import type { OutboundItem } from "../routing.js";
import { classifyFailure } from "../send-queue.js";
import { isRecord, readJsonFile, writeJsonFile } from "../state-file.js";
import type {
  ActionButton,
  ApprovalView,
  BoardCard,
  BoardView,
  CardSurface,
  ChatTarget,
  PlatformAdapter,
} from "../types.js";

export interface ApprovalCardRecord {
  approval_id: string;
  chat_id: string;
  card_id: string;
  actor_id: string;
  tool: string;
  /** What the card showed (the decided card shows it again). */
  summary: string;
  at: string;
}

interface FileShape {
  v: 1;
  cards: ApprovalCardRecord[];
}

function isShape(v: unknown): v is FileShape {
  return (
    isRecord(v) &&
    Array.isArray(v.cards) &&
    v.cards.every(
      (r) =>
        isRecord(r) &&
        typeof r.approval_id === "string" &&
        typeof r.chat_id === "string" &&
        typeof r.card_id === "string",
    )
  );
}

export interface ApprovalCardsDeps {
  stateDir: string;
  /** Create an updatable card in the chat (the adapter's `openBoard`). */
  open(target: ChatTarget, view: BoardView): Promise<BoardCard>;
  /** A card made earlier, by its id (the adapter's `boardCard`). */
  card(id: string): BoardCard;
  /** The platform's card errors and how to grant the permission. */
  surface: Pick<CardSurface, "missingPermission" | "permissionHelp" | "maxChars">;
  texts: ApprovalReplies;
  /** The bridge's platform: a decision made in one of its chats names it (`viaShown`). */
  platform: { id: string; name: string };
  /** Tell a chat something (the permission hint), through its queue. */
  hint(chatId: string, text: string): void;
  now(): number;
  log(line: string): void;
}

/** Records older than this are dropped at load (a request is decided within a day at most). */
const KEEP_MS = 3 * 24 * 3600_000;
/** At most this many records are kept (the oldest go first). */
const MAX_RECORDS = 5_000;

type Approval = NonNullable<OutboundItem["approval"]>;

export class ApprovalCards {
  private readonly file: string;
  private readonly records = new Map<string, ApprovalCardRecord>();
  private readonly hinted = new Set<string>();
  /** The permission whose absence turned approval cards off for this run. */
  private disabled: string | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ApprovalCardsDeps) {
    this.file = join(deps.stateDir, "approval-cards.json");
  }

  /** Read what earlier runs showed (a corrupt file is logged and treated as empty). */
  async load(): Promise<void> {
    let cards: ApprovalCardRecord[] = [];
    try {
      cards = (await readJsonFile<FileShape>(this.file, { v: 1, cards: [] }, isShape)).cards;
    } catch (error) {
      this.deps.log(`[approval-cards] ${errorMessage(error)}`);
    }
    const since = this.deps.now() - KEEP_MS;
    this.records.clear();
    for (const r of cards)
      if (!(Date.parse(r.at) < since)) this.records.set(key(r.approval_id, r.chat_id), r);
  }

  /** Resolves when the file holds every change so far. */
  flush(): Promise<void> {
    return this.saving;
  }

  /** The chats that show a card for this approval. */
  chatsOf(approvalId: string): string[] {
    return [...this.records.values()].filter((r) => r.approval_id === approvalId).map((r) => r.chat_id);
  }

  /**
   * Deliver an approval item to a chat as a card: the request creates one, its decision updates it.
   * False when the chat must get messages instead (no card for it, cards refused, the card gone).
   */
  deliver(approval: Approval, chatId: string, target: ChatTarget, buttons: ActionButton[]): Promise<boolean> {
    return approval.decided
      ? this.decide(approval.view, approval.decided, chatId)
      : this.show(approval.view, chatId, target, buttons);
  }

  private async show(
    a: ApprovalView,
    chatId: string,
    target: ChatTarget,
    buttons: ActionButton[],
  ): Promise<boolean> {
    if (this.records.has(key(a.approval_id, chatId))) return true; // shown before a restart
    if (this.disabled) {
      this.hintOnce(chatId, this.disabled);
      return false;
    }
    const { texts, now } = this.deps;
    const left = Math.max(1, Math.round((Date.parse(a.expires_at) - now()) / 60_000));
    const summary = this.clip(a.summary);
    const links = buttons.map((b) => `[${b.title.replace(/[[\]]/g, "")}](${b.url})`).join(" · ");
    const body = texts.card({ ...a, summary }, left);
    let card: BoardCard;
    try {
      card = await this.deps.open(target, {
        title: texts.cardTitle(a),
        markdown: links ? `${body}\n\n${links}` : body,
      });
    } catch (error) {
      this.failed(chatId, error);
      return false;
    }
    this.records.set(key(a.approval_id, chatId), {
      approval_id: a.approval_id,
      chat_id: chatId,
      card_id: card.id,
      actor_id: a.actor_id,
      tool: a.tool,
      summary,
      at: new Date(now()).toISOString(),
    });
    await this.save();
    return true;
  }

  private async decide(
    a: ApprovalView,
    d: NonNullable<Approval["decided"]>,
    chatId: string,
  ): Promise<boolean> {
    const k = key(a.approval_id, chatId);
    const r = this.records.get(k);
    if (!r) return false;
    const { texts } = this.deps;
    const view = { ...a, actor_id: r.actor_id, tool: r.tool, summary: r.summary };
    const at = stamp(Number.isNaN(Date.parse(d.at)) ? new Date(this.deps.now()) : new Date(d.at));
    const decision = {
      decision: d.decision,
      decided_by: d.decided_by,
      via: viaShown(d.via, this.deps.platform),
      at,
      ...(d.reason ? { reason: d.reason } : {}),
      ...(d.handed_over ? { handed_over: true } : {}),
    };
    try {
      await this.deps.card(r.card_id).update({
        title: texts.decidedTitle(view, d.decision),
        markdown: texts.decidedCard(view, decision),
      });
    } catch (error) {
      // A transient failure is retried by the chat's queue; anything else: the decision as a message.
      if (classifyFailure(error) === "retry") throw error;
      this.deps.log(
        `[approval-cards] cannot update the card of ${a.approval_id} in ${chatId} (a message says the decision): ${errorMessage(error)}`,
      );
      this.records.delete(k);
      await this.save();
      return false;
    }
    this.records.delete(k);
    await this.save();
    return true;
  }

  /** The summary short enough for one card (the rest of the card is about 500 characters). */
  private clip(summary: string): string {
    const max = Math.max(200, this.deps.surface.maxChars - 600);
    return summary.length > max ? `${summary.slice(0, max - 1)}…` : summary;
  }

  /** Card creation failed: the request goes as a message; a missing permission hints once per chat. */
  private failed(chatId: string, error: unknown): void {
    this.deps.log(
      `[approval-cards] card in ${chatId} failed (the request goes as a message): ${errorMessage(error)}`,
    );
    const scope = this.deps.surface.missingPermission(error);
    if (!scope) return;
    this.disabled = scope;
    this.hintOnce(chatId, scope);
  }

  private hintOnce(chatId: string, scope: string): void {
    if (this.hinted.has(chatId)) return;
    this.hinted.add(chatId);
    this.deps.hint(chatId, this.deps.texts.cardPermission(scope, this.deps.surface.permissionHelp));
  }

  /** Write the current records after the writes before (each write holds everything so far). */
  private save(): Promise<void> {
    while (this.records.size > MAX_RECORDS) this.records.delete(this.records.keys().next().value ?? "");
    this.saving = this.saving
      .then(() => writeJsonFile(this.file, { v: 1, cards: [...this.records.values()] } satisfies FileShape))
      .catch((error: unknown) => this.deps.log(`[approval-cards] ${errorMessage(error)}`));
    return this.saving;
  }
}

/** Approval cards on the adapter's updatable cards (`openBoard` + `boardCard`), if it has them. */
export function approvalCardsFor(
  adapter: PlatformAdapter,
  surface: ApprovalCardsDeps["surface"],
  deps: Omit<ApprovalCardsDeps, "open" | "card" | "surface">,
): ApprovalCards | undefined {
  const { openBoard, boardCard } = adapter;
  if (!openBoard || !boardCard) return undefined;
  return new ApprovalCards({
    ...deps,
    surface,
    open: (target, view) => openBoard.call(adapter, target, view),
    card: (id) => boardCard.call(adapter, id),
  });
}

function key(approvalId: string, chatId: string): string {
  return `${approvalId}\n${chatId}`;
}
