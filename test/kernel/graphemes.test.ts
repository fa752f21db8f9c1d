import { afterAll, describe, expect, it } from "vitest";
import { truncate } from "../../src/im/format.js";
import { cutToUnits, graphemes, truncateGraphemes } from "../../src/kernel/graphemes.js";
import { Home } from "../../src/kernel/home.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { CLUSTERS } from "../support/graphemes.js";
import { tempHome } from "../support/home.js";

/** `out` is a prefix of `text` made of whole graphemes of `text`. */
function wholePrefix(text: string, out: string): void {
  expect(text.startsWith(out)).toBe(true);
  const all = graphemes(text);
  const got = graphemes(out);
  expect(got).toEqual(all.slice(0, got.length));
}

describe("cutToUnits: the 2,000-unit preview never splits a character", () => {
  it.each(CLUSTERS)("%s at every offset of the boundary", (_name, cluster) => {
    for (let pad = 0; pad <= cluster.length; pad++) {
      const text = "a".repeat(2000 - cluster.length + pad) + cluster.repeat(3);
      const out = cutToUnits(text, 2000);
      expect(out.length).toBeLessThanOrEqual(2000);
      wholePrefix(text, out);
      // Maximal: the next whole character would not fit.
      const next = graphemes(text)[graphemes(out).length] ?? "";
      expect(out.length + next.length).toBeGreaterThan(2000);
    }
  });

  it("keeps short text as it is and cuts an oversized first character to nothing", () => {
    expect(cutToUnits("短", 2000)).toBe("短");
    expect(cutToUnits("👨‍👩‍👧‍👦", 3)).toBe("");
  });
});

describe("truncate / truncateGraphemes count what a reader sees", () => {
  it.each(CLUSTERS)("%s is kept whole or dropped whole", (_name, cluster) => {
    for (let pad = 0; pad < 4; pad++) {
      const text = "x".repeat(pad) + cluster.repeat(40);
      for (const max of [2, 5, 10, 30]) {
        const out = truncate(text, max);
        expect(out.endsWith("…")).toBe(true);
        expect(graphemes(out).length).toBeLessThanOrEqual(max);
        wholePrefix(text, out.slice(0, -1));
      }
    }
  });

  it("counts a ZWJ family as one character", () => {
    expect(truncateGraphemes("👨‍👩‍👧‍👦".repeat(3), 3)).toBe("👨‍👩‍👧‍👦".repeat(3));
    expect(truncateGraphemes("👨‍👩‍👧‍👦".repeat(4), 3)).toBe("👨‍👩‍👧‍👦👨‍👩‍👧‍👦…");
  });
});

describe("a long message's inline preview in the ledger", () => {
  const home = tempHome("cccc-graphemes-");
  afterAll(() => home.cleanup());

  it.each(CLUSTERS)("%s straddling unit 2000 is not broken", async (_name, cluster) => {
    const kernel = await Kernel.open(new Home(home.dir));
    try {
      const group = await kernel.createGroup({ title: "preview" });
      // Over the 32 kB inline limit, with the cluster across the 2,000th code unit.
      const text = `${"a".repeat(1999)}${cluster}${"中".repeat(12_000)}`;
      const event = await group.send({ by: "user", text, to: ["user"] });
      const preview = event.data.text.split("\n…[message continues")[0] ?? "";
      expect(preview.length).toBeLessThanOrEqual(2000);
      wholePrefix(text, preview);
      expect(event.data.attachments).toHaveLength(1);
    } finally {
      await kernel.close();
    }
  });
});
