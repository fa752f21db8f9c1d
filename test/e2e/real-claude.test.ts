/**
 * The real Claude Code CLI (pinned, see scripts/install-agent-clis.sh) as a CCCC actor with the default
 * command line, against the fake model: a DingTalk message reaches it through its PTY and its answer
 * comes back through CCCC's MCP reply tool to the DingTalk chat.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAUDE_REPLY_TOOL } from "../fakes/model/index.js";
import { waitFor } from "../support/cli.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";

let r: RealAgentWorld;

beforeAll(async () => {
  r = await startRealAgentWorld("claude", { runner: "pty" });
}, 15 * 60_000);
afterAll(() => r?.close());

describe("real Claude Code as a CCCC actor", () => {
  it("was registered with CCCC's MCP server and started with the default command", async () => {
    const config = JSON.parse(readFileSync(join(r.home.home, ".claude.json"), "utf8"));
    expect(config.mcpServers?.cccc?.args).toContain("mcp");
    const list = await r.world.cli(["actor", "list"]);
    expect(list).toMatch(/lead\s+foreman\s+claude\s+pty\s+running/);
  });

  it("answers a DingTalk message through the MCP reply tool", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "请看一下构建" }));
    await r.waitReply(/pong: 请看一下构建/, "claude's MCP reply in the DingTalk chat");
    const answers = r.model.requests.map((q) => q.answer);
    expect(answers).toContain("ToolSearch");
    expect(answers).toContain(CLAUDE_REPLY_TOOL);
  }, 60_000);

  it("answers a second message in the same session", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "second one" }));
    await r.waitReply(/pong: second one/, "the second reply");
    const replies = r.model.requests.filter((q) => q.answer === CLAUDE_REPLY_TOOL);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    await waitFor(
      async () => (await r.world.cli(["actor", "list"])).includes("running"),
      5_000,
      "still running",
    );
  }, 60_000);
});
