/**
 * DingTalk's AI cards as the bridge core's `CardSurface` (types.ts): a chat target becomes an open
 * space (group: its openConversationId; direct chat: the sender's staff id, never the conversation
 * id), a view becomes the standard template's `msgTitle` / `msgContent` / `flowStatus`.
 */
import type { CardSurface, CardView, ChatTarget } from "../types.js";
import {
  CARD_TITLE_KEY,
  cardSpaceOf,
  type DingTalkCardApi,
  FLOW_STATUS,
  isCardGone,
  missingCardScope,
  newOutTrackId,
} from "./card-api.js";

/** A markdown block above ~3,000 CJK characters renders blank (protocol §3.10): stay well below. */
export const CARD_MAX_CHARS = 2_500;

export class DingTalkCardSurface implements CardSurface {
  readonly maxChars = CARD_MAX_CHARS;

  constructor(
    private readonly api: DingTalkCardApi,
    private readonly robotCode: () => string,
  ) {}

  async create(target: ChatTarget, view: CardView): Promise<string> {
    const outTrackId = newOutTrackId();
    const flowStatus =
      view.status === "working"
        ? FLOW_STATUS.processing
        : view.status === "done"
          ? FLOW_STATUS.finished
          : FLOW_STATUS.failed;
    await this.api.createAndDeliver({
      outTrackId,
      space: cardSpaceOf(target),
      robotCode: this.robotCode(),
      // Created with its content: an empty shell stays visible on some clients (protocol §3.10).
      params: { msgContent: view.text || "…", [CARD_TITLE_KEY]: view.title, flowStatus },
    });
    return outTrackId;
  }

  update(cardId: string, view: CardView, low: boolean): Promise<void> {
    return this.api.stream({ outTrackId: cardId, content: view.text || "…", low });
  }

  finish(cardId: string, view: CardView): Promise<void> {
    return this.api.stream({
      outTrackId: cardId,
      content: view.text || "…",
      finalize: true,
      error: view.status !== "done",
    });
  }

  abandon(cardId: string, view: CardView): Promise<void> {
    return this.api.updateCardData(cardId, {
      msgContent: view.text || "…",
      [CARD_TITLE_KEY]: view.title,
      flowStatus: view.status === "done" ? FLOW_STATUS.finished : FLOW_STATUS.failed,
    });
  }

  readonly permissionHelp = {
    en: "To see live reply cards, open the app in the DingTalk Open Platform → Permissions, apply for Card.Instance.Write and Card.Streaming.Write, and publish a new version",
    zh: "如需实时回复卡片：在钉钉开放平台打开应用 → 权限管理，申请 Card.Instance.Write 和 Card.Streaming.Write 并发布新版本",
  };

  missingPermission(error: unknown): string | undefined {
    return missingCardScope(error);
  }

  gone(error: unknown): boolean {
    return isCardGone(error);
  }
}
