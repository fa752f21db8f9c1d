import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BridgeState } from "../../src/im/state.js";
import { WRITE_GAP_MS } from "../../src/im/state-writer.js";
import { FakeHost } from "./support/fake-host.js";

let host: FakeHost;
afterEach(() => host?.cleanup());

describe("BridgeState", () => {
  it("persists atomically (no temp files left) and reloads", async () => {
    host = new FakeHost();
    const state = new BridgeState(host.stateDir);
    await state.load();
    const now = new Date("2026-09-01T00:00:00Z");
    await state.authorize({
      chat_id: "c1",
      chat_type: "group",
      title: "Ops",
      authorized_at: now.toISOString(),
      by: "user",
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        state.setSubscription("c1", { subscribed: true, held_back: i }, now),
      ),
    );
    await state.setCursor(7);
    expect(state.claimMessage("c1:m1")).toBe(false);
    expect(state.claimMessage("c1:m1")).toBe(true);
    expect(state.claimMessage("c1:m2")).toBe(false); // claimed, never handled (a crash mid-handling)
    state.messageHandled("c1:m1");
    await state.flush();
    expect(readdirSync(host.stateDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const again = new BridgeState(host.stateDir);
    await again.load();
    expect(again.authorized("c1")?.title).toBe("Ops");
    expect(again.subscription("c1")).toMatchObject({ subscribed: true, held_back: 19 });
    expect(again.cursor()?.seq).toBe(7);
    expect(again.claimMessage("c1:m1")).toBe(true); // a handled message survives a restart
    expect(again.claimMessage("c1:m2")).toBe(false); // an unfinished one is handled again
    expect(JSON.parse(readFileSync(join(host.stateDir, "authorized-chats.json"), "utf8")).c1.chat_type).toBe(
      "group",
    );
  });

  it("appends each handled message id instead of rewriting a file, keeps the last 512, reads the old array file", async () => {
    host = new FakeHost();
    const recent = join(host.stateDir, "recent-message-ids.json");
    writeFileSync(recent, JSON.stringify(["c1:old"], null, 2)); // the layout older versions wrote
    const state = new BridgeState(host.stateDir);
    await state.load();
    expect(state.claimMessage("c1:old")).toBe(true);
    const before = readFileSync(recent, "utf8");
    for (let i = 0; i < 100; i++) {
      expect(state.claimMessage(`c1:m${i}`)).toBe(false);
      state.messageHandled(`c1:m${i}`);
    }
    await state.flush();
    expect(readFileSync(recent, "utf8")).toBe(before); // not rewritten per message
    expect(readFileSync(`${recent}.log`, "utf8").split("\n").filter(Boolean)).toHaveLength(100);
    for (let i = 100; i < 700; i++) {
      state.claimMessage(`c1:m${i}`);
      state.messageHandled(`c1:m${i}`);
    }
    await state.flush();
    const again = new BridgeState(host.stateDir);
    await again.load();
    expect(again.claimMessage("c1:m699")).toBe(true);
    expect(again.claimMessage("c1:m188")).toBe(true); // the 512th newest
    expect(again.claimMessage("c1:m187")).toBe(false); // beyond the bound: forgotten
    expect(again.claimMessage("c1:old")).toBe(false);
    await again.flush();
  });

  it("a corrupt or wrongly shaped file is an error naming it, never a silent reset", async () => {
    host = new FakeHost();
    writeFileSync(join(host.stateDir, "authorized-chats.json"), '{"c1": {"chat_id": 5}}');
    const state = new BridgeState(host.stateDir);
    await expect(state.load()).rejects.toMatchObject({
      code: "im_state_corrupt",
      message: expect.stringContaining("authorized-chats.json"),
    });
    expect(readFileSync(join(host.stateDir, "authorized-chats.json"), "utf8")).toBe('{"c1": {"chat_id": 5}}');
  });

  it("rewrites reply routes at most once per gap in a flood (handled ids are appended, not paced); flush writes at once", async () => {
    host = new FakeHost();
    const state = new BridgeState(host.stateDir);
    await state.load();
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 600) {
      for (let i = 0; i < 50; i++, n++) {
        void state.setRoute(`c${n % 300}`, { chat_type: "direct", updated_at: String(n) });
        state.claimMessage(`c:m${n}`);
        state.messageHandled(`c:m${n}`);
      }
      await new Promise((r) => setImmediate(r));
    }
    const elapsed = Date.now() - started;
    // One write per WRITE_GAP_MS (the first at once), plus the one queued when the loop ended.
    const bound = Math.ceil(elapsed / WRITE_GAP_MS) + 2;
    expect(state.writesOf("routes")).toBeGreaterThan(0);
    expect(state.writesOf("routes")).toBeLessThanOrEqual(bound);
    await state.flush(); // does not wait for the gap
    const routes = JSON.parse(readFileSync(join(host.stateDir, "reply-routes.json"), "utf8"));
    expect(routes[`c${(n - 1) % 300}`].updated_at).toBe(String(n - 1));
    const again = new BridgeState(host.stateDir);
    await again.load();
    expect(again.seenMessage(`c:m${n - 1}`)).toBe(true); // the handled ids' log kept up with the flood
    await again.flush();
  });

  it("a corrupt handled-ids file is the same clear error, and is left in place", async () => {
    host = new FakeHost();
    writeFileSync(join(host.stateDir, "recent-message-ids.json"), "[torn");
    await expect(new BridgeState(host.stateDir).load()).rejects.toMatchObject({
      code: "im_state_corrupt",
      message: expect.stringContaining("recent-message-ids.json"),
    });
    expect(readFileSync(join(host.stateDir, "recent-message-ids.json"), "utf8")).toBe("[torn");
  });
});
