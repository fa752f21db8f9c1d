import { Lexer } from "marked";
import { describe, expect, it } from "vitest";
import { encodeForOpenApi } from "../../../src/im/dingtalk/encode.js";
import { toDingTalkMarkdown } from "../../../src/im/dingtalk/markdown.js";
import { jsonBytes, renderChunks, type SplitLimits, splitText } from "../../../src/im/dingtalk/split.js";
import { graphemes } from "../../../src/kernel/graphemes.js";
import { CLUSTERS } from "../../support/graphemes.js";

describe("toDingTalkMarkdown on the token tree", () => {
  const cases: [string, string, string][] = [
    [
      "nested task lists at every depth",
      "- [ ] top\n  - [x] child\n    - [ ] grandchild\n- plain",
      "- ☐ top  \n  - ☑ child  \n    - ☐ grandchild  \n- plain",
    ],
    ["ordered list keeps its numbers", "1. one\n2. two\n   - [x] sub", "1. one  \n2. two  \n   - ☑ sub"],
    [
      "table inside a list item",
      "- results:\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |",
      "- results:\n\n  **a · b**\n  - 1 · 2",
    ],
    [
      "table cells: code with a pipe, links, <br>",
      "| cmd | doc |\n|---|---|\n| `a \\| b` | [x](https://x.example)<br>more |",
      "**cmd · doc**\n- `a | b` · [x](https://x.example) more",
    ],
    [
      "cells beyond the header's count are kept",
      "| a | b |\n|---|---|\n| 1 | 2 | 3 |",
      "**a · b**\n- 1 · 2 · 3",
    ],
    ["headerless-looking table keeps rows", "| | |\n|-|-|\n| a | b |", "- a · b"],
    ["table after a heading", "# Report\n| a |\n|---|\n| 1 |", "# Report\n\n**a**\n- 1"],
    ["indented code untouched", "text\n\n    Vec<u8>\n    x", "text\n\n    Vec<u8>\n    x"],
    ["html block escaped", "<div>\nhi\n</div>", "&lt;div>\nhi\n&lt;/div>"],
    [
      "tag-like text escaped, code span kept",
      "a <b and `<c>` <https://a.b/c>",
      "a &lt;b and `<c>` https://a.b/c",
    ],
    ["quote lines break hard", "> one\n> two\n>\n> three", "> one  \n> two\n>\n> three"],
    ["heading then paragraph: no break after the heading", "## H\ntext\nmore", "## H\ntext  \nmore"],
    ["setext heading kept", "Title\n=====\nbody", "Title\n=====\nbody"],
    ["existing hard breaks not doubled", "a  \nb\\\nc", "a  \nb\\\nc"],
    ["no break before a fence", "intro\n```\ncode\n```", "intro\n```\ncode\n```"],
    ["fence in a quote untouched", "> ```ts\n> a<b>\n> ```", "> ```ts\n> a<b>\n> ```"],
    [
      "links and images kept",
      "[docs](https://d.example/a_(b)) ![img](https://i.example/x.png)",
      "[docs](https://d.example/a_(b)) ![img](https://i.example/x.png)",
    ],
    ["CJK paragraphs", "第一行\n第二行\n\n第三段", "第一行  \n第二行\n\n第三段"],
    ["emphasis around html", "**Vec<String>** and _x<y_", "**Vec&lt;String>** and _x&lt;y_"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(toDingTalkMarkdown(input)).toBe(expected);
  });

  it("never drops a word: every letter of the input survives (fuzz)", () => {
    const parts = [
      "- ",
      "1. ",
      "> ",
      "| a | b |\n|---|---|\n",
      "```\n",
      "# ",
      "**b**",
      "`c`",
      "x",
      "中文",
      "\n",
      "\n\n",
      "  ",
    ];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 300; n++) {
      let s = "";
      for (let i = 0; i < 30; i++) s += parts[Math.floor(next() * parts.length)];
      const letters = (t: string) => (t.match(/[a-z中文]/g) ?? []).length;
      expect(letters(toDingTalkMarkdown(s))).toBe(letters(s));
    }
  });
});

/** Each rendered chunk lexes with every fenced block closed by its own marker. */
function fencesClosed(chunk: string): boolean {
  const walk = (tokens: ReturnType<typeof Lexer.lex>): boolean =>
    tokens.every((t) => {
      if (t.type === "code" && t.codeBlockStyle !== "indented") {
        const lines = t.raw.replace(/\n+$/, "").split("\n");
        const last = (lines[lines.length - 1] ?? "").trim();
        return lines.length > 1 && /^(`{3,}|~{3,})$/.test(last);
      }
      const kids = t.type === "list" ? t.items : "tokens" in t && Array.isArray(t.tokens) ? t.tokens : [];
      return walk(kids as ReturnType<typeof Lexer.lex>);
    });
  return walk(Lexer.lex(chunk, { gfm: true }));
}

describe("splitText: grapheme boundaries", () => {
  it.each(CLUSTERS)("%s: every window size and offset cuts between characters", (_name, cluster) => {
    for (let units = 40; units <= 40 + cluster.length * 2; units++) {
      for (let pad = 0; pad < cluster.length + 1; pad++) {
        const text = "y".repeat(pad) + cluster.repeat(40);
        const l: SplitLimits = { maxUnits: units, maxBytes: 10_000, fences: false, numberSeparator: "\n" };
        const chunks = splitText(text, l);
        expect(chunks.map((c) => c.text).join("")).toBe(text);
        const all = graphemes(text);
        let seen = 0;
        for (const c of chunks) {
          const g = graphemes(c.text);
          expect(g).toEqual(all.slice(seen, seen + g.length));
          seen += g.length;
        }
      }
    }
  });

  it("CJK text splits under the byte budget, losslessly", () => {
    const text = "钉钉机器人消息分段测试，".repeat(2000);
    const l: SplitLimits = { maxUnits: 3500, maxBytes: 6000, fences: false, numberSeparator: "\n" };
    const chunks = splitText(text, l);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.text).join("")).toBe(text);
    for (const r of renderChunks(chunks, "\n")) expect(jsonBytes(r)).toBeLessThanOrEqual(6000);
  });
});

describe("splitText: code fences across chunks", () => {
  const l: SplitLimits = { maxUnits: 120, maxBytes: 2000, fences: true, numberSeparator: "\n\n" };

  it.each([
    ["top level", "```ts\n", "", "```\n"],
    ["tilde fence", "~~~~py\n", "", "~~~~\n"],
    ["in a list item", "- step:\n  ```sh\n", "  ", "  ```\n"],
    ["in a quote", "> ```ts\n", "> ", "> ```\n"],
  ])("%s: closed at the chunk end, reopened with its language", (_name, open, indent, close) => {
    const body = Array.from({ length: 30 }, (_, i) => `${indent}line ${i} 🇨🇳\n`).join("");
    const text = `${open}${body}${close}after\n`;
    const chunks = splitText(text, l);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.text).join("")).toBe(text);
    const rendered = renderChunks(chunks, "\n\n");
    for (const r of rendered) {
      expect(r.length).toBeLessThanOrEqual(l.maxUnits);
      expect(fencesClosed(r)).toBe(true);
    }
    const lang = (open.trim().split("\n").pop() ?? "").replace(/^[->\s]*/, "");
    for (const c of chunks.slice(1, -1)) expect(c.reopen.trim().endsWith(lang)).toBe(true);
    // In a quote the close keeps the quote mark, so the block ends inside the quote.
    if (indent === "> ") expect(chunks[0]?.close).toMatch(/(^|\n)> ```$/);
  });

  it("a fence-like line inside an indented code block is not a fence", () => {
    const text = `${"    ```not a fence\n".repeat(20)}`;
    const chunks = splitText(text, l);
    for (const c of chunks) expect(c.close).toBe("");
  });
});

describe("encode: the pipeline end to end", () => {
  it("a long markdown reply with a table, nested lists and code arrives whole and balanced", () => {
    const section = (i: number) =>
      `## Part ${i} 🧑🏽‍💻\n\n| file | state |\n|---|---|\n| a${i}.ts | ok |\n\n- [x] done ${i}\n  - [ ] sub ${i}\n\n\`\`\`ts\n${"const x = 1; // 中文\n".repeat(40)}\`\`\`\n`;
    const text = Array.from({ length: 12 }, (_, i) => section(i)).join("\n");
    const msgs = encodeForOpenApi({ type: "markdown", title: "t", text });
    expect(msgs.length).toBeGreaterThan(1);
    const bodies = msgs.map((m) => (JSON.parse(m.msgParam) as { text: string }).text);
    for (const b of bodies) {
      expect(fencesClosed(b)).toBe(true);
      expect(b).not.toMatch(/\|---\|/);
    }
    const all = bodies.join("");
    expect(all).toContain("**file · state**");
    expect(all).toContain("- ☑ done 11");
    expect(all).toContain("  - ☐ sub 11");
  });
});
