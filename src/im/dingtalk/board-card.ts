/**
 * The team board as a DingTalk AI card (protocol §3.10; docs/im-bridge.md "Team board"): created
 * with `createAndDeliver` on the standard AI card template (`msgTitle` = the board's title,
 * `msgContent` = its markdown in DingTalk's dialect, `flowStatus` finished so the card never shows
 * "processing"), then updated in place with `PUT /v1.0/card/instances` (low priority in the shared
 * budget: answers go first). Buttons are `dtmd://dingtalkclient/sendMessage?content=…` links in
 * the markdown. Pure apart from the calls.
 */
import type { BoardCard, BoardView, ChatTarget } from "../types.js";
import {
  CARD_CONTENT_KEY,
  CARD_TITLE_KEY,
  cardSpaceOf,
  type DingTalkCardApi,
  FLOW_STATUS,
  newOutTrackId,
} from "./card-api.js";
import { toDingTalkMarkdown } from "./markdown.js";

/** The card variables of a board view. */
export function boardParams(view: BoardView): Record<string, string> {
  return {
    [CARD_TITLE_KEY]: view.title,
    [CARD_CONTENT_KEY]: toDingTalkMarkdown(view.markdown),
    flowStatus: FLOW_STATUS.finished,
  };
}

/** Create the board card in the chat; the handle updates it in place. */
export async function openBoardCard(
  cards: DingTalkCardApi,
  target: ChatTarget,
  robotCode: string,
  view: BoardView,
): Promise<BoardCard> {
  const outTrackId = newOutTrackId();
  await cards.createAndDeliver({
    outTrackId,
    space: cardSpaceOf(target),
    robotCode,
    params: boardParams(view),
  });
  return boardCardOf(cards, outTrackId);
}

/** The handle of a card created earlier (its `outTrackId`), e.g. before a restart. */
export function boardCardOf(cards: DingTalkCardApi, outTrackId: string): BoardCard {
  return { id: outTrackId, update: (next) => cards.updateCardData(outTrackId, boardParams(next), true) };
}
