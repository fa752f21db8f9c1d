// ReplayGuard (issue 15 item 2): one use per signed key, durable, pruned by age, bounded; a failed
// request releases its key so DingTalk's retry is accepted.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { guardReplay, ReplayGuard } from "../../../src/im/dingtalk/webhook-replay.js";

const dirs: string[] = [];
function file(): string {
  const dir = mkdtempSync(join(tmpdir(), "cccc-replay-"));
  dirs.push(dir);
  return join(dir, "dingtalk-webhook-replay.json");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ok = async () => ({ status: 200, body: {} });

describe("ReplayGuard", () => {
  it("accepts a key once, refuses it again, also from a new instance on the same file", async () => {
    const f = file();
    const logs: string[] = [];
    const g = new ReplayGuard(f, (l) => logs.push(l));
    const key = { key: "robot:1700000000000", at: Date.now() };
    expect((await guardReplay(g, key, () => {}, ok)).status).toBe(200);
    expect((await guardReplay(g, key, (l) => logs.push(l), ok)).status).toBe(409);
    expect(logs.some((l) => /refused a replayed request/.test(l))).toBe(true);
    const fresh = new ReplayGuard(f, () => {});
    expect(await fresh.begin(key)).toBe(false);
    expect(readFileSync(f, "utf8")).not.toContain("1700000000000"); // keys are stored hashed
  });

  it("appends one line per used key instead of rewriting the file, and reads the old file layout", async () => {
    const f = file();
    const now = Date.now();
    // The layout written before the guard moved onto the transport kit's store: [sha256 prefix, at].
    const h = createHash("sha256").update("robot:old-layout").digest("hex").slice(0, 32);
    writeFileSync(f, JSON.stringify({ v: 1, used: [[h, now - 1000]] }));
    const g = new ReplayGuard(f, () => {});
    expect(await g.begin({ key: "robot:old-layout", at: now })).toBe(false);
    const before = readFileSync(f, "utf8");
    for (let i = 0; i < 50; i++) await guardReplay(g, { key: `robot:${i}`, at: now }, () => {}, ok);
    expect(readFileSync(f, "utf8")).toBe(before); // the snapshot was not rewritten per request
    expect(readFileSync(`${f}.log`, "utf8").split("\n").filter(Boolean)).toHaveLength(50);
    g.close();
    const again = new ReplayGuard(f, () => {});
    expect(await again.begin({ key: "robot:49", at: now })).toBe(false);
    expect(await again.begin({ key: "robot:old-layout", at: now })).toBe(false);
    expect(await again.begin({ key: "robot:50", at: now })).toBe(true);
  });

  it("a failed request releases its key; a concurrent second use is refused while in flight", async () => {
    const g = new ReplayGuard(file(), () => {});
    const key = { key: "event:1:n", at: Date.now() };
    await expect(
      guardReplay(
        g,
        key,
        () => {},
        async () => {
          expect(await g.begin(key)).toBe(false); // in flight
          throw new Error("bridge down");
        },
      ),
    ).rejects.toThrow("bridge down");
    expect((await guardReplay(g, key, () => {}, ok)).status).toBe(200);
  });

  it("prunes keys older than the window and keeps at most maxEntries", async () => {
    const logs: string[] = [];
    const g = new ReplayGuard(file(), (l) => logs.push(l), 3, 60_000);
    const now = Date.now();
    await g.commit({ key: "old", at: now - 120_000 });
    for (const k of ["a", "b", "c", "d"]) await g.commit({ key: k, at: now - 10 });
    expect(await g.begin({ key: "old", at: now })).toBe(true); // pruned: only the timestamp check guards it
    expect(logs.some((l) => /forgot the 1 oldest/.test(l))).toBe(true);
  });

  it("a corrupt state file is a clear error, not a silent reset", async () => {
    const f = file();
    writeFileSync(f, "{not json");
    const g = new ReplayGuard(f, () => {});
    await expect(g.begin({ key: "x", at: Date.now() })).rejects.toMatchObject({ code: "im_state_corrupt" });
  });
});
