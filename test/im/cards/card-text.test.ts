import { describe, expect, it } from "vitest";
import { endedText, splitForCards, streamingText } from "../../../src/im/cards/card-text.js";
import { cardTimingsFromEnv } from "../../../src/im/cards/timings.js";

describe("card text rules", () => {
  it("splits losslessly into parts of at most max units, preferring paragraph and line breaks", () => {
    const text = `${"第一段的内容。".repeat(50)}\n\n${"第二段。".repeat(100)}\n${"末行".repeat(200)}`;
    const parts = splitForCards(text, 500);
    expect(parts.join("")).toBe(text);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(500);
    expect(parts[0]?.endsWith("\n\n")).toBe(true); // cut after the paragraph (352 is in the last third of 500)
  });

  it("never splits a surrogate pair (emoji) between two cards", () => {
    const text = "a".repeat(9) + "😀".repeat(20);
    const parts = splitForCards(text, 10);
    expect(parts.join("")).toBe(text);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(10);
      expect(/[\uD800-\uDBFF]$/.test(p)).toBe(false);
    }
  });

  it("a short text is one part, an empty text one empty part", () => {
    expect(splitForCards("hello", 10)).toEqual(["hello"]);
    expect(splitForCards("", 10)).toEqual([""]);
  });

  it("streaming view: activity line above, cut with … to fit", () => {
    expect(streamingText("abc", "reading src/app.ts", 100)).toBe("> reading src/app.ts\n\nabc");
    expect(streamingText("abc", "", 100)).toBe("abc");
    const cut = streamingText("x".repeat(200), "", 50);
    expect(cut).toHaveLength(50);
    expect(cut.endsWith("…")).toBe(true);
  });

  it("ended view: the text, a rule and the state note; the note alone when nothing streamed", () => {
    expect(endedText("partial", "⚠️ interrupted", 100)).toBe("partial\n\n---\n⚠️ interrupted");
    expect(endedText("  ", "⚠️ interrupted", 100)).toBe("⚠️ interrupted");
    expect(endedText("y".repeat(300), "note", 100).length).toBeLessThanOrEqual(100);
  });

  it("CCCC_IM_CARD_TIMINGS: valid keys apply, a too-fast interval is refused with a clear log line", () => {
    expect(cardTimingsFromEnv('{"stallMs":5000}')).toEqual({ cardTimings: { stallMs: 5000 } });
    const logs: string[] = [];
    expect(cardTimingsFromEnv('{"minIntervalMs":100}', (l) => logs.push(l))).toEqual({});
    expect(logs[0]).toMatch(/CCCC_IM_CARD_TIMINGS ignored.*minIntervalMs ≥ 300/);
  });
});
