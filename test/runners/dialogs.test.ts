import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actorAttention } from "../../src/runners/attention.js";
import { detectDialog } from "../../src/runners/dialogs.js";

/** Screens captured from the real CLIs (claude 2.1.328, codex 0.169.0) in a 120×40 terminal. */
const screen = (name: string) =>
  readFileSync(join(import.meta.dirname, "../fixtures/screens", `${name}.txt`), "utf8").split("\n");

describe("detectDialog on real first-run screens", () => {
  it.each([
    ["claude-trust", "trust_folder"],
    ["claude-apikey", "api_key_prompt"],
    ["claude-bypass", "bypass_permissions_warning"],
    ["claude-onboard", "onboarding"],
    ["codex-login", "login_required"],
  ])("%s → %s", (name, code) => {
    expect(detectDialog(screen(name))?.code).toBe(code);
  });

  it("sees nothing on a ready prompt", () => {
    expect(detectDialog(screen("claude-ready"))).toBeUndefined();
    expect(detectDialog(screen("codex-ready"))).toBeUndefined();
  });

  it("does not mistake a conversation about trust for the dialog", () => {
    expect(detectDialog(["● Do you trust me? I trust this folder's tests.", "❯ "])).toBeUndefined();
  });
});

describe("actorAttention", () => {
  const base = {
    actorId: "lead",
    runtime: "claude",
    running: true,
    startedAt: 1_000,
    fresh: true,
    awaitingPasteMode: false,
    health: undefined,
    readyMaxMs: 10_000,
    now: 2_000,
  };

  it("names the dialog, what to do, and shows the last screen lines", () => {
    const a = actorAttention({ ...base, screen: screen("claude-trust") });
    expect(a?.code).toBe("dialog:trust_folder");
    expect(a?.message).toMatch(
      /^claude is asking whether to trust the project folder: open the actor's terminal/,
    );
    expect(a?.screen.at(-1)).toContain("Enter to confirm");
    expect(a?.screen.length).toBeLessThanOrEqual(12);
  });

  it("reports a terminal that never showed its prompt, only after readyMaxMs", () => {
    const waiting = { ...base, screen: ["loading…"], awaitingPasteMode: true };
    expect(actorAttention(waiting)).toBeUndefined();
    const a = actorAttention({ ...waiting, now: 11_000 });
    expect(a?.code).toBe("not_ready");
    expect(a?.message).toContain("cccc actor restart lead");
  });

  it("reports delivery the terminal did not react to", () => {
    const a = actorAttention({
      ...base,
      screen: ["❯ "],
      fresh: false,
      health: { code: "unacknowledged", since: 1_500 },
    });
    expect(a?.code).toBe("unacknowledged");
    expect(a?.since).toBe(1_500);
  });

  it("says nothing for a healthy or exited actor", () => {
    expect(actorAttention({ ...base, screen: screen("claude-ready"), fresh: false })).toBeUndefined();
    expect(actorAttention({ ...base, screen: screen("claude-trust"), running: false })).toBeUndefined();
  });
});
