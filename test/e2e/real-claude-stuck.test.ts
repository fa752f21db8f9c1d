/**
 * A real Claude Code actor whose HOME lacks the folder-trust answer: claude shows its trust dialog
 * (default "No, exit"). CCCC must not type into it, must say so in `cccc actor list` and `/status`, and
 * must deliver once a human answers the dialog in the terminal.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/cli.js";
import { DIRECT, type RealAgentWorld, startRealAgentWorld } from "../support/real-agent-world.js";

let r: RealAgentWorld;

beforeAll(async () => {
  // Dialogs are a terminal's; a structured (-p) session shows none.
  r = await startRealAgentWorld("claude", { untrusted: true, runner: "pty" });
}, 15 * 60_000);
afterAll(() => r?.close());

describe("a real claude actor stuck on its folder-trust dialog", () => {
  it("cccc actor list says what is on screen and what to do", async () => {
    const list = await waitFor(
      async () => {
        const out = await r.world.cli(["actor", "list"]);
        return out.includes("needs attention") ? out : undefined;
      },
      30_000,
      "the attention line",
    );
    expect(list).toContain("dialog:trust_folder");
    expect(list).toContain("claude is asking whether to trust the project folder");
    expect(list).toContain("Yes, I trust this folder");
  }, 40_000);

  it("holds a message instead of typing it into the dialog, and /status shows the dialog", async () => {
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "hello while stuck" }));
    r.world.fake.push(r.world.fake.robotMessage({ ...DIRECT, text: "/status" }));
    const status = await r.waitReply(/needs attention/, "the /status reply");
    expect(status).toContain("trust the project folder");
    expect(status).toContain("Yes, I trust this folder");
    // Typing Enter into the dialog would have picked "No, exit"; claude is still up and was asked nothing.
    expect(await r.world.cli(["actor", "list"])).toMatch(/lead\s+foreman\s+claude\s+pty\s+running/);
    expect(r.model.requests.filter((q) => q.path === "/v1/messages")).toEqual([]);
  }, 40_000);

  it("delivers once the dialog is answered in the terminal", async () => {
    const ctx = r.world.t.daemon.ctx;
    const term = ctx.actors.terminal(ctx.kernel.group(r.world.gid), "lead");
    if (term?.kind !== "pty") throw new Error("no terminal");
    term.terminal.write("\x1b[B"); // down to "Yes, I trust this folder"
    await waitFor(
      () => ctx.actors.screen(ctx.kernel.group(r.world.gid), "lead").some((l) => /❯ .*Yes, I trust/.test(l)),
      10_000,
      "Yes selected",
    );
    term.terminal.write("\r");
    await r.waitReply(/pong: hello while stuck/, "the held message's reply");
    expect(await r.world.cli(["actor", "list"])).not.toContain("needs attention");
  }, 60_000);
});
