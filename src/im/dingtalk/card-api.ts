/**
 * DingTalk AI card calls (protocol §3.10, im-spec §6.4): create-and-deliver into a group or a direct
 * chat, full-snapshot streaming into the card's markdown variable, a generic card-data update, and
 * the finalize. Every call goes through the one client (api.ts → request.ts) and spends the `im`
 * budget messages spend; intermediate updates are `low` so answers go first.
 */
import { randomUUID } from "node:crypto";
import type { ChatTarget } from "../types.js";
import { type DingTalkApi, IM_BUDGET } from "./api.js";
import { readDingTalkReply } from "./decode.js";
import { PlatformApiError } from "./errors.js";

/** The standard AI card template (variables `msgContent`, `msgTitle`, `flowStatus`). */
export const STANDARD_AI_CARD_TEMPLATE = "382e4302-551d-4880-bf29-a30acfab2e71.schema";
export const CARD_CONTENT_KEY = "msgContent";
export const CARD_TITLE_KEY = "msgTitle";

/** AI card `flowStatus` values (strings in `cardParamMap`). */
export const FLOW_STATUS = {
  processing: "1",
  inputting: "2",
  finished: "3",
  executing: "4",
  failed: "5",
} as const;

/** The permissions the card calls need, named in hints. */
export const CARD_SCOPES = { instance: "Card.Instance.Write", streaming: "Card.Streaming.Write" } as const;

export type CardSpace = { kind: "group"; openConversationId: string } | { kind: "direct"; userId: string };

/** `dtv1.card//IM_GROUP.<openConversationId>` or `dtv1.card//IM_ROBOT.<userId>` (never a conversation id). */
export function openSpaceId(space: CardSpace): string {
  return space.kind === "group"
    ? `dtv1.card//IM_GROUP.${space.openConversationId}`
    : `dtv1.card//IM_ROBOT.${space.userId}`;
}

/** Where a card for this chat goes: the group's open conversation, or the direct chat's user. */
export function cardSpaceOf(target: ChatTarget): CardSpace {
  const reply = readDingTalkReply(target.reply);
  if (target.chatType === "group") {
    return { kind: "group", openConversationId: reply?.conversationId ?? target.chatId };
  }
  const userId = reply?.senderStaffId;
  if (!userId) {
    throw new PlatformApiError(
      "dingtalk_card_no_user",
      "Cannot put a card into this direct chat: DingTalk gave no staff id for the user",
      "Publish the app so DingTalk includes staff ids; messages are sent instead meanwhile",
    );
  }
  return { kind: "direct", userId };
}

/** Our own card id (≤ 64 chars): used for every later call. */
export function newOutTrackId(): string {
  return `cccc${randomUUID().replace(/-/g, "")}`;
}

export interface CreateCardInput {
  outTrackId: string;
  space: CardSpace;
  robotCode: string;
  /** `cardParamMap`; every value a string (DingTalk's rule). */
  params: Record<string, string>;
  templateId?: string;
}

export interface StreamInput {
  outTrackId: string;
  /** The whole text (full snapshot, `isFull:true`). */
  content: string;
  key?: string;
  finalize?: boolean;
  error?: boolean;
  /** Intermediate updates yield to answers in the shared budget. */
  low?: boolean;
}

export class DingTalkCardApi {
  readonly templateId: string;

  constructor(
    private readonly api: DingTalkApi,
    templateId?: string,
  ) {
    this.templateId = templateId?.trim() || STANDARD_AI_CARD_TEMPLATE;
  }

  /** `POST /v1.0/card/instances/createAndDeliver`; a failed delivery result throws too. */
  async createAndDeliver(input: CreateCardInput): Promise<void> {
    const group = input.space.kind === "group";
    const body = (await this.api.callApi({
      name: "card.instances.createAndDeliver",
      method: "POST",
      path: "/v1.0/card/instances/createAndDeliver",
      budget: IM_BUDGET,
      json: {
        cardTemplateId: input.templateId ?? this.templateId,
        outTrackId: input.outTrackId,
        cardData: { cardParamMap: input.params },
        callbackType: "STREAM",
        openSpaceId: openSpaceId(input.space),
        userIdType: 1,
        ...(group
          ? {
              imGroupOpenSpaceModel: { supportForward: true },
              imGroupOpenDeliverModel: { robotCode: input.robotCode },
            }
          : {
              imRobotOpenSpaceModel: { supportForward: true },
              imRobotOpenDeliverModel: { spaceType: "IM_ROBOT", robotCode: input.robotCode },
            }),
      },
    })) as { success?: unknown; result?: { deliverResults?: unknown } };
    checkSuccess(body, "card.instances.createAndDeliver");
    const results = Array.isArray(body.result?.deliverResults) ? body.result.deliverResults : [];
    const failed = results.find(
      (r): r is { errorMsg?: unknown } =>
        !!r && typeof r === "object" && (r as { success?: unknown }).success === false,
    );
    if (failed) {
      throw new PlatformApiError(
        "dingtalk_card_not_delivered",
        `DingTalk created the card but could not deliver it (${String(failed.errorMsg ?? "no reason given")})`,
        "Check the robot is in the chat; the reply is sent as a message instead",
        { api: "card.instances.createAndDeliver" },
      );
    }
  }

  /** `PUT /v1.0/card/streaming` with the full text; `finalize` ends the card's streaming state. */
  async stream(input: StreamInput): Promise<void> {
    const body = (await this.api.callApi({
      name: "card.streaming",
      method: "PUT",
      path: "/v1.0/card/streaming",
      budget: IM_BUDGET,
      low: input.low,
      idempotent: true, // a full snapshot: repeating it changes nothing
      json: {
        outTrackId: input.outTrackId,
        guid: randomUUID(),
        key: input.key ?? CARD_CONTENT_KEY,
        content: input.content,
        isFull: true,
        isFinalize: input.finalize === true,
        isError: input.error === true,
      },
    })) as { success?: unknown };
    checkSuccess(body, "card.streaming");
  }

  /** `PUT /v1.0/card/instances`: change some card variables (title, `flowStatus`, a board's data). */
  async updateCardData(outTrackId: string, params: Record<string, string>, low = false): Promise<void> {
    const body = (await this.api.callApi({
      name: "card.instances.update",
      method: "PUT",
      path: "/v1.0/card/instances",
      budget: IM_BUDGET,
      low,
      idempotent: true,
      json: {
        outTrackId,
        cardData: { cardParamMap: params },
        cardUpdateOptions: { updateCardDataByKey: true },
      },
    })) as { success?: unknown };
    checkSuccess(body, "card.instances.update");
  }
}

/** A 200 that says `success:false` is a failure too (im-spec §6.4, Rust's rule). */
function checkSuccess(body: { success?: unknown } | undefined, api: string): void {
  if (body?.success === false) {
    throw new PlatformApiError("dingtalk_api_error", `DingTalk refused ${api} (success:false)`, "", { api });
  }
}

/** The card is gone (expired or never existed): later updates cannot succeed. */
export function isCardGone(err: unknown): boolean {
  return (
    err instanceof PlatformApiError &&
    /cardNotExist|cardInstanceNotExist|card\.notExist/i.test(err.platformCode ?? "")
  );
}

/** The permission a card error says is missing, if it is one. */
export function missingCardScope(err: unknown): string | undefined {
  return err instanceof PlatformApiError && err.code === "dingtalk_no_permission" ? err.scope : undefined;
}
