/**
 * Approvals in chats, on the bridge core: the card (buttons in direct chats only, the commands in
 * the text everywhere, in the chat's language), who may decide (`im.dingtalk_approvers`, else the
 * person who bound the chat), `/approve all @agent`, `/approvals`.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ApprovalView, BridgeApprovals } from "../../src/im/types.js";
import { FakeHost } from "./support/fake-host.js";
import { type Harness, startBridge, subscribeChat } from "./support/harness.js";
import { contentText, DIRECT, GROUP } from "./support/recording-adapter.js";

class Inbox implements BridgeApprovals {
  items: ApprovalView[] = [];
  decisions: Array<{ id: string; decision: string; decided_by: string }> = [];
  approverList: string[] | undefined;
  readonly approversKey = "im.dingtalk_approvers";
  async pending() {
    return this.items.filter((a) => a.status === "pending");
  }
  async decide(id: string, input: { decision: "approve" | "deny" | "always"; decided_by: string }) {
    const a = this.items.find((x) => x.approval_id === id);
    if (!a) throw new Error(`No approval "${id}".`);
    a.status = input.decision === "deny" ? "denied" : "approved";
    this.decisions.push({ id, decision: input.decision, decided_by: input.decided_by });
    return a;
  }
  approvers() {
    return this.approverList;
  }
}

const item = (id: string, actor: string): ApprovalView => ({
  approval_id: id,
  actor_id: actor,
  tool: "Bash",
  summary: `Run: make ${id}`,
  status: "pending",
  expires_at: "2026-09-01T08:10:00.000Z",
});

let h: Harness;
let inbox: Inbox;
afterEach(async () => {
  await h?.bridge.stop();
  h?.host.cleanup();
});

async function start(language: "en" | "zh" = "en"): Promise<void> {
  const host = new FakeHost();
  inbox = new Inbox();
  Object.assign(host, { approvals: inbox });
  h = await startBridge({ language }, {}, host);
}

const texts = (chat: string) =>
  h.adapter.sent.filter((s) => s.target.chatId === chat).map((s) => contentText(s.content));

describe("approval cards", () => {
  it("buttons in a direct chat, the commands as text in a group, in the chat's language", async () => {
    await start("zh");
    await subscribeChat(h, DIRECT);
    await subscribeChat(h, GROUP);
    await h.host.appendEvent("approval.requested", {
      approval_id: "k3x9q2",
      actor_id: "lead",
      tool: "Bash",
      summary: "Run: npm publish",
      input: { command: "npm publish" },
      tool_use_id: "toolu_1",
      expires_at: new Date(h.clock.now + 10 * 60_000).toISOString(),
    });
    await h.bridge.idle();
    const direct = h.adapter.sent.filter((s) => s.target.chatId === DIRECT).at(-1)?.content;
    expect(direct?.type).toBe("actionCard");
    if (direct?.type !== "actionCard") return;
    expect(direct.text).toContain("**lead** 请求使用 **Bash**（审批 `k3x9q2`）");
    expect(direct.text).toContain("```\nRun: npm publish\n```");
    expect(direct.buttons).toEqual([
      {
        title: "批准",
        url: `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent("/approve k3x9q2")}`,
      },
      {
        title: "拒绝",
        url: `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent("/deny k3x9q2")}`,
      },
      {
        title: "本次会话始终允许",
        url: `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent("/approve k3x9q2 always")}`,
      },
    ]);
    const group = h.adapter.sent.filter((s) => s.target.chatId === GROUP).at(-1)?.content;
    expect(group?.type).toBe("markdown");
    expect(group && contentText(group)).toContain("/approve k3x9q2");

    await h.host.appendEvent("approval.decided", {
      approval_id: "k3x9q2",
      actor_id: "lead",
      tool: "Bash",
      decision: "deny",
      decided_by: "张三 (manager4567)",
      via: "dingtalk",
      reason: "不行",
    });
    await h.bridge.idle();
    for (const chat of [DIRECT, GROUP])
      expect(texts(chat).at(-1)).toContain(
        "⛔ 已拒绝 k3x9q2（lead，Bash）— 张三 (manager4567)，dingtalk：不行",
      );
  });
});

describe("who decides", () => {
  it("by default the person who bound the chat; others are refused and nothing is decided", async () => {
    await start();
    await subscribeChat(h, DIRECT); // as staff-alice
    inbox.items.push(item("aaa111", "lead"));
    await h.adapter.receive({
      text: "/approve aaa111",
      staffId: "staff-bob",
      userId: "u-bob",
      userName: "Bob",
    });
    expect(texts(DIRECT).at(-1)).toMatch(
      /Sorry, you are not an approver for this group, so aaa111 stays pending/,
    );
    expect(inbox.decisions).toEqual([]);
    await h.adapter.receive({ text: "/approve aaa111" });
    expect(inbox.decisions).toEqual([
      { id: "aaa111", decision: "approve", decided_by: "Alice (staff-alice)" },
    ]);
    expect(texts(DIRECT).at(-1)).toBe("✅ Approved aaa111 (lead).");
  });

  it("im.dingtalk_approvers replaces the default; /approve all @agent; /approvals lists", async () => {
    await start();
    await subscribeChat(h, DIRECT);
    inbox.approverList = ["staff-bob"];
    inbox.items.push(item("aaa111", "lead"), item("bbb222", "reviewer"), item("ccc333", "lead"));
    await h.adapter.receive({ text: "/approve all" });
    expect(texts(DIRECT).at(-1)).toMatch(/not an approver/);
    await h.adapter.receive({ text: "/approvals", staffId: "staff-carol", userId: "u-carol" });
    expect(texts(DIRECT).at(-1)).toMatch(/Pending approvals \(3\)[\s\S]*`bbb222` reviewer: Run: make bbb222/);
    await h.adapter.receive({
      text: "/approve all @lead",
      staffId: "staff-bob",
      userId: "u-bob",
      userName: "Bob",
    });
    expect(texts(DIRECT).at(-1)).toBe("✅ Approved 2: aaa111, ccc333.");
    await h.adapter.receive({
      text: "/deny bbb222 too risky",
      staffId: "staff-bob",
      userId: "u-bob",
      userName: "Bob",
    });
    expect(inbox.decisions.map((d) => `${d.id}:${d.decision}`)).toEqual([
      "aaa111:approve",
      "ccc333:approve",
      "bbb222:deny",
    ]);
    await h.adapter.receive({ text: "/approve zzz999", staffId: "staff-bob", userId: "u-bob" });
    expect(texts(DIRECT).at(-1)).toBe('⚠️ No approval "zzz999".');
  });
});
