/**
 * The live board's timing on fake timers: refresh only on change, one update in flight, the bound,
 * the failure limit and stop(). The same board end to end over the fake DingTalk server is
 * test/im/dingtalk/board.test.ts.
 */
import { describe, expect, it, vi } from "vitest";
import { type BoardSource, LiveBoards } from "../../src/im/board.js";
import type { BoardView } from "../../src/im/types.js";
import { advance, fakeClockPerTest } from "../support/fake-clock.js";

const timing = { refreshMs: 3_000, liveMs: 60_000 };

function world(opts: { failUpdates?: number; slowUpdates?: boolean } = {}) {
  const logs: string[] = [];
  const boards = new LiveBoards(
    timing,
    () => Date.now(),
    (l) => logs.push(l),
  );
  let text = "idle";
  const source: BoardSource = {
    title: () => "Board",
    body: () => text,
    footer: (live, at) => `${live ? "live until" : "ended at"} ${at.toISOString()}`,
  };
  const views: BoardView[] = [];
  let failures = opts.failUpdates ?? 0;
  let release: (() => void) | undefined;
  const card = {
    id: "board-card-1",
    update: async (view: BoardView) => {
      if (opts.slowUpdates) await new Promise<void>((r) => (release = r));
      if (failures-- > 0) throw new Error("card API down");
      views.push(view);
    },
  };
  const opened: BoardView[] = [];
  const open = (chatId = "c1") =>
    boards.open(
      chatId,
      async (view) => {
        opened.push(view);
        return card;
      },
      source,
    );
  return {
    boards,
    logs,
    views,
    opened,
    open,
    set: (t: string) => {
      text = t;
    },
    release: () => release?.(),
  };
}

describe("live board timing", () => {
  fakeClockPerTest();

  it("renders again every refresh period and updates the card only when the text changed", async () => {
    const w = world();
    expect(await w.open()).toBe(true);
    expect(w.opened[0]?.markdown).toBe("idle\n\nlive until 2026-09-01T08:01:00.000Z");
    await advance(3 * timing.refreshMs);
    expect(w.views).toEqual([]); // unchanged: no update
    w.set("busy");
    await advance(timing.refreshMs - 1);
    expect(w.views).toEqual([]);
    await advance(1);
    expect(w.views.map((v) => v.markdown)).toEqual(["busy\n\nlive until 2026-09-01T08:01:00.000Z"]);
  });

  it("keeps one update in flight: a slow card is not sent a second update meanwhile", async () => {
    const w = world({ slowUpdates: true });
    await w.open();
    w.set("busy");
    await advance(timing.refreshMs);
    w.set("busier");
    await advance(5 * timing.refreshMs); // the first update has not answered
    expect(w.views).toEqual([]);
    w.release();
    await advance(0);
    expect(w.views.map((v) => v.markdown.split("\n")[0])).toEqual(["busy"]);
    await advance(timing.refreshMs);
    w.release();
    await advance(0);
    expect(w.views.map((v) => v.markdown.split("\n")[0])).toEqual(["busy", "busier"]);
  });

  it("stops at the bound with one final footer and never updates again", async () => {
    const w = world();
    await w.open();
    await advance(timing.liveMs - timing.refreshMs);
    expect(w.boards.size).toBe(1);
    await advance(timing.refreshMs);
    expect(w.boards.size).toBe(0);
    expect(w.views.map((v) => v.markdown)).toEqual(["idle\n\nended at 2026-09-01T08:01:00.000Z"]);
    w.set("5 unread");
    await advance(10 * timing.refreshMs); // ten refresh periods: a live board would have updated
    expect(w.views).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("retries a failed update on the next tick and gives up after three failures in a row", async () => {
    const w = world({ failUpdates: 3 });
    await w.open();
    w.set("busy");
    await advance(timing.refreshMs);
    expect(w.logs).toEqual(["[board] update for c1 failed (1/3): card API down"]);
    await advance(2 * timing.refreshMs);
    expect(w.logs).toHaveLength(3);
    expect(w.boards.size).toBe(0); // stopped without a final update (the card is failing)
    await advance(10 * timing.refreshMs);
    expect(w.views).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a new /status replaces the chat's board; stop() clears every timer", async () => {
    const w = world();
    await w.open("c1");
    await advance(1_000);
    await w.open("c1");
    await w.open("c2");
    expect(w.boards.size).toBe(2);
    // The replaced board got its final footer at once.
    expect(w.views.map((v) => v.markdown)).toEqual(["idle\n\nended at 2026-09-01T08:00:01.000Z"]);
    expect(vi.getTimerCount()).toBe(2);
    w.boards.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(w.boards.size).toBe(0);
  });
});
