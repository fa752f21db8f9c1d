import { afterEach, describe, expect, it } from "vitest";
import { DingTalkApi } from "../../../src/im/dingtalk/api.js";
import {
  DingTalkCardApi,
  FLOW_STATUS,
  isCardGone,
  missingCardScope,
  newOutTrackId,
  openSpaceId,
  STANDARD_AI_CARD_TEMPLATE,
} from "../../../src/im/dingtalk/card-api.js";
import { PlatformApiError } from "../../../src/im/dingtalk/errors.js";
import {
  type FakeDingTalk,
  type FakeDingTalkOptions,
  startFakeDingTalk,
} from "../../fakes/dingtalk/index.js";

let fake: FakeDingTalk;
let apis: DingTalkApi[] = [];

async function setup(
  opts: FakeDingTalkOptions = {},
  templateId?: string,
  retryBaseMs = 20,
): Promise<DingTalkCardApi> {
  fake = await startFakeDingTalk({ redeliverAfterMs: null, ...opts });
  const api = new DingTalkApi({
    ...fake.client,
    retryBaseMs,
    retryMaxMs: 400,
  });
  apis.push(api);
  return new DingTalkCardApi(api, templateId);
}

const params = (text: string) => ({
  msgContent: text,
  msgTitle: "peer1",
  flowStatus: FLOW_STATUS.processing,
});
const group = { kind: "group" as const, openConversationId: "cidGroupA" };
const direct = { kind: "direct" as const, userId: "user123" };

afterEach(async () => {
  for (const a of apis) a.close();
  apis = [];
  await fake?.close();
});

describe("AI card client against the fake DingTalk", () => {
  it("creates a group card, streams full snapshots and finalizes with the exact text", async () => {
    const cards = await setup({ cards: { updateMinIntervalMs: 0 } });
    const id = newOutTrackId();
    expect(id.length).toBeLessThanOrEqual(64);
    await cards.createAndDeliver({
      outTrackId: id,
      space: group,
      robotCode: fake.app.appKey,
      params: params("…"),
    });
    await cards.stream({ outTrackId: id, content: "你好", low: true });
    await cards.stream({ outTrackId: id, content: "你好，世界" });
    await cards.stream({ outTrackId: id, content: "你好，世界！", finalize: true });
    const card = fake.card(id);
    expect(card).toMatchObject({
      templateId: STANDARD_AI_CARD_TEMPLATE,
      openSpaceId: "dtv1.card//IM_GROUP.cidGroupA",
      space: group,
      finalized: true,
      failed: false,
      finalText: "你好，世界！",
    });
    expect(card?.states.map((s) => [s.op, s.flowStatus, s.content])).toEqual([
      ["create", "1", "…"],
      ["stream", "2", "你好"],
      ["stream", "2", "你好，世界"],
      ["stream", "3", "你好，世界！"],
    ]);
  });

  it("delivers a direct-chat card into the user's robot space", async () => {
    const cards = await setup();
    const id = newOutTrackId();
    await cards.createAndDeliver({
      outTrackId: id,
      space: direct,
      robotCode: fake.app.appKey,
      params: params("hi"),
    });
    expect(openSpaceId(direct)).toBe("dtv1.card//IM_ROBOT.user123");
    expect(fake.cards.toUser("user123").map((c) => c.outTrackId)).toEqual([id]);
  });

  it("a conversation id used as a direct space is refused in deliverResults (the Python bug)", async () => {
    const cards = await setup();
    const err = await cards
      .createAndDeliver({
        outTrackId: newOutTrackId(),
        space: { kind: "direct", userId: "cidXYZ" },
        robotCode: fake.app.appKey,
        params: params("hi"),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformApiError);
    expect((err as PlatformApiError).code).toBe("dingtalk_card_not_delivered");
    expect(fake.cards.list()).toHaveLength(0);
  });

  it("uses the configured template, and an unknown template is a clear error", async () => {
    const cards = await setup({}, "custom-tpl.schema");
    const err = await cards
      .createAndDeliver({
        outTrackId: newOutTrackId(),
        space: group,
        robotCode: fake.app.appKey,
        params: params("x"),
      })
      .catch((e: unknown) => e);
    expect((err as PlatformApiError).platformCode).toBe("template.notExist");
    fake.cards.templates.set("custom-tpl.schema", ["msgContent", "msgTitle", "flowStatus"]);
    const id = newOutTrackId();
    await cards.createAndDeliver({
      outTrackId: id,
      space: group,
      robotCode: fake.app.appKey,
      params: params("x"),
    });
    expect(fake.card(id)?.templateId).toBe("custom-tpl.schema");
  });

  it("the fake refuses non-string card params and a malformed open space", async () => {
    await setup();
    const api = apis[0] as DingTalkApi;
    const base = {
      cardTemplateId: STANDARD_AI_CARD_TEMPLATE,
      imGroupOpenDeliverModel: { robotCode: fake.app.appKey },
    };
    const e1 = await api
      .callApi({
        name: "t",
        method: "POST",
        path: "/v1.0/card/instances/createAndDeliver",
        json: {
          ...base,
          outTrackId: "a",
          openSpaceId: "dtv1.card//IM_GROUP.c",
          cardData: { cardParamMap: { flowStatus: 1 } },
        },
      })
      .catch((e: unknown) => e);
    expect((e1 as PlatformApiError).platformCode).toBe("invalidParameter.cardParamMap");
    const e2 = await api
      .callApi({
        name: "t",
        method: "POST",
        path: "/v1.0/card/instances/createAndDeliver",
        json: { ...base, outTrackId: "b", openSpaceId: "IM_GROUP.c", cardData: { cardParamMap: {} } },
      })
      .catch((e: unknown) => e);
    expect((e2 as PlatformApiError).platformCode).toBe("invalidParameter.openSpaceId");
  });

  it("updates card data (title, flowStatus) and a failed flowStatus finalizes as failed", async () => {
    const cards = await setup({ cards: { updateMinIntervalMs: 0 } });
    const id = newOutTrackId();
    await cards.createAndDeliver({
      outTrackId: id,
      space: group,
      robotCode: fake.app.appKey,
      params: params("half"),
    });
    await cards.updateCardData(id, { msgTitle: "peer1 · running npm test" });
    expect(fake.card(id)?.params.msgTitle).toBe("peer1 · running npm test");
    expect(fake.card(id)?.finalized).toBe(false);
    await cards.updateCardData(id, { flowStatus: FLOW_STATUS.failed });
    expect(fake.card(id)).toMatchObject({ finalized: true, failed: true, finalText: "half" });
  });

  it("names the missing permission: Card.Instance.Write on create, Card.Streaming.Write on streaming", async () => {
    const cards = await setup({
      apps: [{ appKey: "k1", appSecret: "s1-secret-0123456789", deniedScopes: ["Card.Instance.Write"] }],
    });
    const e1 = await cards
      .createAndDeliver({ outTrackId: newOutTrackId(), space: group, robotCode: "k1", params: params("x") })
      .catch((e: unknown) => e);
    expect(missingCardScope(e1)).toBe("Card.Instance.Write");
    await fake.close();

    const c2 = await setup({
      apps: [{ appKey: "k2", appSecret: "s2-secret-0123456789", deniedScopes: ["Card.Streaming.Write"] }],
    });
    const id = newOutTrackId();
    await c2.createAndDeliver({ outTrackId: id, space: group, robotCode: "k2", params: params("x") });
    const e2 = await c2.stream({ outTrackId: id, content: "y" }).catch((e: unknown) => e);
    expect(missingCardScope(e2)).toBe("Card.Streaming.Write");
    expect((e2 as PlatformApiError).code).toBe("dingtalk_no_permission");
  });

  it("retries a QPS refusal, and the per-card update rate refuses updates that come too fast", async () => {
    const cards = await setup({ cards: { updateMinIntervalMs: 100 } }, undefined, 120);
    const id = newOutTrackId();
    await cards.createAndDeliver({
      outTrackId: id,
      space: group,
      robotCode: fake.app.appKey,
      params: params("a"),
    });
    fake.fail("cardStreaming", "qps");
    await cards.stream({ outTrackId: id, content: "b" }); // refused once, retried after backoff
    await cards.stream({ outTrackId: id, content: "c" }); // too soon for the card: refused, retried
    const card = fake.card(id);
    expect(card?.params.msgContent).toBe("c");
    expect(card?.updatesRefused).toBeGreaterThanOrEqual(1);
    const accepted = card?.states.filter((s) => s.op === "stream").map((s) => s.at) ?? [];
    for (let i = 1; i < accepted.length; i++)
      expect((accepted[i] ?? 0) - (accepted[i - 1] ?? 0)).toBeGreaterThanOrEqual(100);
  });

  it("an expired card answers 'card not exist' (isCardGone)", async () => {
    const cards = await setup({ cards: { updateMinIntervalMs: 0 } });
    const id = newOutTrackId();
    await cards.createAndDeliver({
      outTrackId: id,
      space: group,
      robotCode: fake.app.appKey,
      params: params("a"),
    });
    fake.cards.expire(id);
    const err = await cards.stream({ outTrackId: id, content: "b", finalize: true }).catch((e: unknown) => e);
    expect(isCardGone(err)).toBe(true);
    expect(isCardGone(new Error("x"))).toBe(false);
  });
});
