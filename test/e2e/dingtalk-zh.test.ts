import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BridgeWorld, IM_SET_DINGTALK, startBridgeWorld } from "../support/bridge.js";
import { waitFor } from "../support/cli.js";

const CHAT = {
  chat: "direct" as const,
  conversationId: "cid-zh",
  senderNick: "李雷",
  senderStaffId: "staff-li",
};

let w: BridgeWorld;

beforeAll(async () => {
  w = await startBridgeWorld([]);
  await w.cli([...IM_SET_DINGTALK, "--language", "zh"]);
  await w.cli(["im", "start"]);
  await waitFor(() => w.fake.liveConnections().length > 0, 10_000, "stream connection");
});
afterAll(() => w?.close());

describe("DingTalk bridge with im.language: zh", () => {
  it("cccc im set --language zh saves im.language, and PUT /im/config refuses other languages", async () => {
    expect(w.t.daemon.ctx.kernel.group(w.gid).config.im?.language).toBe("zh");
    const bad = await w.t.api("PUT", `/api/v1/groups/${w.gid}/im/config`, {
      platform: "dingtalk",
      language: "fr",
      start: false,
    });
    expect(bad.status).toBe(400);
    expect(w.t.daemon.ctx.kernel.group(w.gid).config.im?.language).toBe("zh");
  });

  it("answers /subscribe with the key in Chinese, keeping the bind command line verbatim", async () => {
    await w.subscribe(CHAT);
    const keyReply = await w.waitSent(/需要授权/, "Chinese key reply");
    expect(keyReply).toMatch(/\ncccc im bind --key [A-Z0-9]{10} --group g_[0-9a-f]{12}\n/);
    expect(keyReply).toContain("密钥 10 分钟内有效。");
    expect(keyReply).not.toContain("Authorization required");
    await w.waitSent(/✅ 已批准。本会话已订阅 钉钉 team/, "Chinese approval");
  });

  it("answers /help in Chinese with Chinese button titles", async () => {
    w.fake.push(w.fake.robotMessage({ ...CHAT, text: "/help" }));
    const card = await waitFor(
      () =>
        w.fake.sent.find(
          (m) => /actionCard/i.test(m.msgKey) && JSON.stringify(m.msgParam).includes("/status"),
        ),
      20_000,
      "help card",
    );
    const body = JSON.stringify(card.msgParam);
    expect(body).toContain("CCCC 命令：");
    expect(body).toContain("/send @peers <消息>：发给 foreman 以外的智能体");
    // The titles are the chat's language; the commands the buttons send stay English.
    const btns = (card.msgParam as { btns?: Array<{ title: string; actionURL: string }> }).btns ?? [];
    expect(btns.map((b) => b.title)).toEqual(["状态", "暂停", "详细模式"]);
    expect(btns[0]?.actionURL).toBe("dtmd://dingtalkclient/sendMessage?content=%2Fstatus");
    expect(body).not.toContain("CCCC commands:");
  });
});
