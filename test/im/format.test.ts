import { describe, expect, it } from "vitest";
import {
  chooseContent,
  detectLinkShare,
  detectMarkdown,
  PREVIEW_MAX,
  previewTitle,
  summarize,
  truncate,
} from "../../src/im/format.js";

const choose = (text: string, title = "foreman") => chooseContent({ text, title });

describe("chooseContent rules", () => {
  it("rule 5: plain text of any length → text with a [header]", () => {
    expect(choose("Build passed.")).toEqual({ type: "text", text: "[foreman] Build passed." });
    const long = "很长的纯文本。".repeat(2000);
    expect(choose(long)).toEqual({ type: "text", text: `[foreman] ${long}` });
    expect(choose("no header", "")).toEqual({ type: "text", text: "no header" });
    expect(choose("", "foreman")).toEqual({ type: "text", text: "[foreman]" });
    // Dunder names and a lone asterisk are not markdown.
    expect(choose("__init__ runs first; 2 * 3 = 6").type).toBe("text");
  });

  it.each([
    ["heading", "# Plan\nstep one"],
    ["list", "Next:\n- build\n- test"],
    ["ordered list", "1. build\n2. test"],
    ["code fence", "```ts\nconst a = 1;\n```"],
    ["table", "| a | b |\n|---|---|\n| 1 | 2 |"],
    ["bold", "this is **important**"],
    ["link with text", "see [the PR](https://git.example/pr/1)"],
    ["quote", "> quoted reply"],
  ])("rule 3: %s → markdown with a bold header and preview title", (_name, text) => {
    const c = choose(text);
    expect(c.type).toBe("markdown");
    if (c.type !== "markdown") return;
    expect(c.text).toBe(`**foreman**\n\n${text}`);
    expect(c.title.startsWith("foreman: ")).toBe(true);
    expect(Array.from(c.title).length).toBeLessThanOrEqual(PREVIEW_MAX);
  });

  it("rule 4: a bare URL, optionally with one line of text → link", () => {
    expect(choose("https://git.example/org/repo/pull/42")).toEqual({
      type: "link",
      title: "git.example",
      text: "foreman: https://git.example/org/repo/pull/42",
      url: "https://git.example/org/repo/pull/42",
    });
    expect(chooseContent({ text: "Please review\n<https://git.example/pr/1>", title: "" })).toEqual({
      type: "link",
      title: "Please review",
      text: "https://git.example/pr/1",
      url: "https://git.example/pr/1",
    });
    expect(choose("https://git.example/pr/1\nready for review").type).toBe("link");
  });

  it("rule 4 does not fire for URLs inside prose, two URLs, other schemes or three lines", () => {
    expect(choose("see https://a.example for details").type).toBe("text");
    expect(choose("https://a.example\nhttps://b.example").type).toBe("text");
    expect(choose("ftp://a.example/file").type).toBe("text");
    expect(choose("one\ntwo\nhttps://a.example").type).toBe("text");
    expect(choose("see [x](https://a.example)").type).toBe("markdown");
  });

  it("rule 2: help and status replies are markdown even when plain", () => {
    const c = chooseContent({ text: "Commands: /subscribe /status", title: "CCCC", kind: "help" });
    expect(c).toEqual({
      type: "markdown",
      title: "CCCC: Commands: /subscribe /s…",
      text: "**CCCC**\n\nCommands: /subscribe /status",
    });
    expect(chooseContent({ text: "running", title: "", kind: "status" })).toEqual({
      type: "markdown",
      title: "running",
      text: "running",
    });
  });

  it("rule 1: buttons → actionCard, whatever the text", () => {
    const buttons = [{ title: "Approve", url: "dtmd://dingtalkclient/sendMessage?content=%2Fapprove" }];
    const c = chooseContent({ text: "https://a.example", title: "foreman", buttons });
    expect(c).toEqual({
      type: "actionCard",
      title: "foreman: https://a.example",
      text: "**foreman**\n\nhttps://a.example",
      buttons,
    });
    expect(chooseContent({ text: "x", title: "", buttons: [] }).type).toBe("text");
  });

  it("trailing whitespace is dropped, leading indentation kept", () => {
    expect(choose("    indented\n\n\n")).toEqual({ type: "text", text: "[foreman]     indented" });
  });
});

describe("detectors", () => {
  it("detectMarkdown names what it found", () => {
    expect(detectMarkdown("# T\n- a\n**b** [c](https://d)")).toEqual(["heading", "list", "bold", "link"]);
    expect(detectMarkdown("just words, 3 * 4, a_b_c, #hashtag")).toEqual([]);
  });

  it("detectLinkShare", () => {
    expect(detectLinkShare("  https://a.example/x  ")).toEqual({ url: "https://a.example/x" });
    expect(detectLinkShare("t\nhttps://a.example")).toEqual({ url: "https://a.example", line: "t" });
    expect(detectLinkShare("http://")).toBeUndefined();
    expect(detectLinkShare("")).toBeUndefined();
  });
});

describe("preview titles", () => {
  it("uses a heading among the first three lines, else the first line, markdown stripped", () => {
    expect(summarize("intro\n## Results\nbody")).toBe("Results");
    expect(summarize("a\nb\nc\n# Late heading")).toBe("a");
    expect(summarize("```ts\ncode\n```")).toBe("code");
    expect(summarize("- [x] **Ship** the [release](https://x)")).toBe("Ship the release");
    expect(summarize("> quoted `code` _it_")).toBe("quoted code it");
    expect(summarize("| a | b |\n|---|---|")).toBe("a b");
    expect(summarize("\n\n")).toBe("");
  });

  it("truncates by code points and never splits an emoji", () => {
    expect(truncate("🚀".repeat(40), 10)).toBe(`${"🚀".repeat(9)}…`);
    expect(truncate("short", 10)).toBe("short");
    expect(Array.from(summarize("钉".repeat(100))).length).toBe(PREVIEW_MAX);
  });

  it("combines the header and the summary", () => {
    expect(previewTitle("foreman", "# Done")).toBe("foreman: Done");
    expect(previewTitle("", "# Done")).toBe("Done");
    expect(previewTitle("foreman", "")).toBe("foreman");
    const long = previewTitle("a-very-long-actor-title", "and a long summary line");
    expect(long).toBe("a-very-long-actor-title: and…");
    expect(Array.from(long).length).toBeLessThanOrEqual(PREVIEW_MAX);
  });
});
