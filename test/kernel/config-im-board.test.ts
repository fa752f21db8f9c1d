/**
 * `im.board` is checked where group.yaml is (the kernel's `ImConfigSchema`, since the kernel imports
 * nothing from src/im) and turned into the board's timings by the IM layer (src/im/board.ts).
 */
import { describe, expect, it } from "vitest";
import { boardTiming, DEFAULT_BOARD_TIMING } from "../../src/im/board.js";
import { PLATFORMS } from "../../src/im/platforms.js";
import { parseGroupConfig } from "../../src/kernel/config.js";

const group = (board: unknown) => ({
  group_id: "g_0123456789ab",
  title: "T",
  im: { platform: PLATFORMS.ids[0], board },
});

describe("im.board", () => {
  it("is validated with group.yaml: a value out of range names the file and the key", () => {
    expect(() => parseGroupConfig(group({ live_minutes: 99 }), "group.yaml")).toThrow(
      /group\.yaml: key "im\.board\.live_minutes": .*Fix that key/,
    );
    expect(() => parseGroupConfig(group({ refresh_seconds: 0 }), "group.yaml")).toThrow(
      /key "im\.board\.refresh_seconds"/,
    );
    expect(parseGroupConfig(group({ live_minutes: 0 }), "group.yaml").im?.board).toEqual({
      live_minutes: 0,
      refresh_seconds: 3,
    });
  });

  it("the IM layer's parse refuses it too, and turns it into timings", async () => {
    await expect(
      PLATFORMS.parseIm({ platform: PLATFORMS.ids[0], board: { live_minutes: -1 } }),
    ).rejects.toThrow(/im\.board\.live_minutes/);
    expect(boardTiming(undefined)).toEqual(DEFAULT_BOARD_TIMING);
    expect(boardTiming({ live_minutes: 1, refresh_seconds: 2 })).toEqual({ refreshMs: 2000, liveMs: 60_000 });
  });
});
