import { describe, expect, it } from "vitest";
import { repliesFor } from "../../src/im/replies/index.js";

const { status } = repliesFor("en");

const info = {
  title: "钉钉 team",
  state: "active",
  actors: [
    {
      id: "lead",
      title: "",
      role: "foreman" as const,
      runtime: "claude",
      status: "running" as const,
      unread: 2,
    },
  ],
};

describe("/status text", () => {
  it("lists the agents and, when there is one, the bridge's last error with its code", () => {
    const plain = status(info, "g_1", undefined);
    expect(plain).toContain("@lead (claude): 🟢 running, 2 unread");
    expect(plain).not.toContain("Last bridge error");
    const withError = status(info, "g_1", undefined, {
      code: "dingtalk_no_permission",
      message: "No permission: qyapi_robot_sendmsg",
      at: "2026-11-25T02:00:00.000Z",
    });
    expect(withError).toContain("[dingtalk_no_permission] No permission: qyapi_robot_sendmsg");
  });
});
