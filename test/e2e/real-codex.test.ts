/**
 * The real Codex CLI (pinned, see scripts/install-agent-clis.sh) as a terminal (`--runner pty`) CCCC
 * actor with the default command line, against the fake model. Codex starts MCP servers with a minimal environment, so this
 * only passes when the default command hands `cccc mcp` the CCCC_* identity (`mcp_servers.cccc.env_vars`).
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODEX_REPLY_TOOL } from "../fakes/model/index.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";

let r: RealAgentWorld;

beforeAll(async () => {
  r = await startRealAgentWorld("codex", { runner: "pty" });
}, 15 * 60_000);
afterAll(() => r?.close());

describe("real Codex as a CCCC actor", () => {
  it("was registered with CCCC's MCP server and started with the default command", async () => {
    const config = readFileSync(join(r.home.home, ".codex", "config.toml"), "utf8");
    expect(config).toMatch(/\[mcp_servers\.cccc\]/);
    expect(await r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+codex\s+pty\s+running/);
  });

  it("answers a DingTalk message through the MCP reply tool (namespace mcp__cccc)", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "请看一下构建" }));
    await r.waitReply(/pong: 请看一下构建/, "codex's MCP reply in the DingTalk chat");
    const call = r.model.requests.find((q) => q.answer === CODEX_REPLY_TOOL);
    expect(call).toBeDefined();
    // The tool's answer went back to the model as a success, not a no_group error.
    const outputs = r.model.requests
      .flatMap((q) => (q.body as { input?: { type?: string; output?: unknown }[] })?.input ?? [])
      .filter((i) => i.type === "function_call_output");
    expect(JSON.stringify(outputs)).not.toMatch(/no.?group/i);
  }, 60_000);

  it("answers a second message in the same session", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "second one" }));
    await r.waitReply(/pong: second one/, "the second reply");
  }, 60_000);
});
