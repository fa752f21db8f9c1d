import { describe, expect, it } from "vitest";
import {
  CHUNK_MAX_BYTES,
  CHUNK_MAX_UNITS,
  encodeForOpenApi,
  encodeForWebhook,
  webhookSupports,
} from "../../../src/im/dingtalk/encode.js";
import { toDingTalkMarkdown } from "../../../src/im/dingtalk/markdown.js";
import { jsonBytes, renderChunks, type SplitLimits, splitText } from "../../../src/im/dingtalk/split.js";
import type { ActionButton, OutboundContent } from "../../../src/im/types.js";

/** The 13 msgKeys of protocol §3.5; there is no sampleActionCard1. */
const CATALOGUE = new Set([
  "sampleText",
  "sampleMarkdown",
  "sampleImageMsg",
  "sampleLink",
  "sampleActionCard",
  "sampleActionCard2",
  "sampleActionCard3",
  "sampleActionCard4",
  "sampleActionCard5",
  "sampleActionCard6",
  "sampleAudio",
  "sampleFile",
  "sampleVideo",
]);

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
const params = (content: OutboundContent) =>
  encodeForOpenApi(content).map((m) => ({
    key: m.msgKey,
    p: JSON.parse(m.msgParam) as Record<string, string>,
  }));

/** Deterministic PRNG (mulberry32) so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROSE = [
  "hello ",
  "world",
  " ",
  "\n",
  "\n\n",
  "钉钉消息",
  "测试一下分段。",
  "😀",
  "👨‍👩‍👧‍👦",
  "👍🏽",
  "🇨🇳",
  "e\u0301",
  '"quoted"',
  "back\\slash",
  "\t",
  "\u0001",
  "\r\n",
  "- item\n",
  "x".repeat(257),
  "中".repeat(333),
  "🚀".repeat(120),
];

function prose(next: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += PROSE[Math.floor(next() * PROSE.length)] ?? "";
  return s;
}

/** Prose and balanced fenced code blocks, long enough to need several chunks. */
function randomText(seed: number): string {
  const next = rng(seed);
  let s = "";
  const blocks = 1 + Math.floor(next() * 8);
  for (let b = 0; b < blocks; b++) {
    if (next() < 0.4) {
      const marker = next() < 0.7 ? "```" : "~~~~";
      s += `${s === "" || s.endsWith("\n") ? "" : "\n"}${marker}${next() < 0.5 ? "ts" : ""}\n${prose(next, 5 + Math.floor(next() * 60))}\n${marker}\n`;
    } else {
      s += prose(next, 1 + Math.floor(next() * 80));
    }
  }
  return s;
}

/** Independent fence checker: is a fence still open at the end of `text`? */
function fenceOpenAtEnd(text: string): boolean {
  let open: string | null = null;
  for (const line of text.split("\n")) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line.replace(/\r$/, ""));
    if (!m?.[1]) continue;
    if (open === null) open = m[1];
    else if (m[1][0] === open[0] && m[1].length >= open.length && (m[2] ?? "").trim() === "") open = null;
  }
  return open !== null;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

describe("splitText (property)", () => {
  const limits: SplitLimits = { maxUnits: 300, maxBytes: 600, fences: true, numberSeparator: "\n\n" };

  it.each(Array.from({ length: 60 }, (_, i) => i + 1))(
    "seed %i: lossless, within limits, fences balanced",
    (seed) => {
      const text = randomText(seed);
      const chunks = splitText(text, limits);
      expect(chunks.map((c) => c.text).join("")).toBe(text);
      const rendered = renderChunks(chunks, limits.numberSeparator);
      rendered.forEach((r, i) => {
        expect(r.length).toBeLessThanOrEqual(limits.maxUnits);
        expect(jsonBytes(r)).toBeLessThanOrEqual(limits.maxBytes);
        expect(fenceOpenAtEnd(r)).toBe(false);
        const c = chunks[i];
        if (!c) throw new Error("chunk");
        expect(c.text.length).toBeGreaterThan(0);
        // Never inside a surrogate pair.
        expect(isLow(c.text.charCodeAt(0))).toBe(false);
        expect(isHigh(c.text.charCodeAt(c.text.length - 1))).toBe(false);
        if (chunks.length > 1) expect(r.startsWith(`(${i + 1}/${chunks.length})\n\n`)).toBe(true);
      });
    },
  );

  it("prefers paragraph, then line, then word boundaries", () => {
    const l = { maxUnits: 120, maxBytes: 1000, fences: false, numberSeparator: "\n" };
    const para = `${"a".repeat(60)}\n\n${"b".repeat(60)}`;
    expect(splitText(para, l).map((c) => c.text)).toEqual([`${"a".repeat(60)}\n\n`, "b".repeat(60)]);
    const lines = `${"a ".repeat(20)}\n${"b".repeat(90)}`;
    expect(splitText(lines, l)[0]?.text).toBe(`${"a ".repeat(20)}\n`);
    const words = "word ".repeat(40);
    expect(splitText(words, l)[0]?.text.endsWith("word ")).toBe(true);
  });

  it("does not separate an emoji from its modifier or ZWJ sequence", () => {
    const l = { maxUnits: 40, maxBytes: 1000, fences: false, numberSeparator: "\n" };
    const text = "👍🏽".repeat(30);
    const chunks = splitText(text, l);
    expect(chunks.map((c) => c.text).join("")).toBe(text);
    for (const c of chunks) expect(c.text.startsWith("🏽")).toBe(false);
  });

  it("reopens a fence with its language on the next chunk", () => {
    const l = { maxUnits: 80, maxBytes: 1000, fences: true, numberSeparator: "\n\n" };
    const text = `intro\n\`\`\`python\n${"print(1)\n".repeat(12)}\`\`\`\nafter\n`;
    const r = renderChunks(splitText(text, l), "\n\n");
    expect(r.length).toBeGreaterThan(1);
    expect(r[0]).toMatch(/\n```$/);
    expect(r[1]).toMatch(/^\(2\/\d\)\n\n```python\nprint\(1\)/);
  });
});

describe("encode: splitting end to end", () => {
  it.each([1, 2, 3, 4, 5, 6])("text seed %i: chunks minus numbering restore the input", (seed) => {
    const text = randomText(seed * 7919).repeat(20);
    const msgs = params({ type: "text", text });
    expect(msgs.length).toBeGreaterThan(1);
    const restored = msgs.map((m, i) => {
      const prefix = `(${i + 1}/${msgs.length})\n`;
      expect(m.p.content?.startsWith(prefix)).toBe(true);
      return m.p.content?.slice(prefix.length);
    });
    expect(restored.join("")).toBe(text);
    for (const m of encodeForOpenApi({ type: "text", text })) {
      expect(utf8(m.msgParam)).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
    }
  });

  it("byte limit binds for CJK, emoji and escapes; webhook bodies fit too", () => {
    for (const unit of ["中", "🚀", '"', "\u0001"]) {
      const text = unit.repeat(20_000);
      for (const m of encodeForOpenApi({ type: "markdown", title: "t", text })) {
        expect(utf8(m.msgParam)).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
        expect((JSON.parse(m.msgParam) as { text: string }).text.length).toBeLessThanOrEqual(CHUNK_MAX_UNITS);
      }
      for (const b of encodeForWebhook({ type: "text", text })) {
        expect(utf8(JSON.stringify(b))).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
      }
    }
  });

  it("a long markdown message keeps one title with (i/n) and puts buttons on the last chunk", () => {
    const text = `# Report\n\n${"一段很长的说明文字。\n\n".repeat(600)}`;
    const buttons = [
      { title: "Approve", url: "dtmd://dingtalkclient/sendMessage?content=%2Fapprove" },
      { title: "Reject", url: "dtmd://dingtalkclient/sendMessage?content=%2Freject" },
    ];
    const msgs = params({ type: "actionCard", title: "foreman: Report", text, buttons });
    const n = msgs.length;
    expect(n).toBeGreaterThan(2);
    msgs.forEach((m, i) => {
      expect(m.p.title).toBe(`foreman: Report (${i + 1}/${n})`);
      expect(m.key).toBe(i === n - 1 ? "sampleActionCard6" : "sampleMarkdown");
    });
    expect(msgs[n - 1]?.p.buttonTitle2).toBe("Reject");
  });
});

const btn = (n: number, long = false): ActionButton[] =>
  Array.from({ length: n }, (_, i) => ({
    title: long ? `Button number ${i + 1}` : `B${i + 1}`,
    url: `https://x/${i}`,
  }));

describe("encode: message kinds", () => {
  it("text", () => {
    expect(encodeForOpenApi({ type: "text", text: "hi 你好" })).toEqual([
      { msgKey: "sampleText", msgParam: '{"content":"hi 你好"}' },
    ]);
    expect(encodeForWebhook({ type: "text", text: "hi" })).toEqual([
      { msgtype: "text", text: { content: "hi" } },
    ]);
    expect(encodeForOpenApi({ type: "text", text: "  \n " })).toEqual([]);
  });

  it("markdown converts the dialect and derives a title when none is given", () => {
    const [m] = params({
      type: "markdown",
      title: "",
      text: "## Build #42 passed on every platform today\n\n|a|b|\n|-|-|\n|1|2|",
    });
    expect(m?.key).toBe("sampleMarkdown");
    expect(m?.p.title).toBe("Build #42 passed on every pla…");
    expect(m?.p.text).toBe("## Build #42 passed on every platform today\n\n**a · b**\n- 1 · 2");
    expect(encodeForWebhook({ type: "markdown", title: "T", text: "x" })).toEqual([
      { msgtype: "markdown", markdown: { title: "T", text: "x" } },
    ]);
  });

  it("link", () => {
    const content: OutboundContent = {
      type: "link",
      title: "PR #7",
      text: "Fix the parser",
      url: "https://git.example/pr/7",
    };
    expect(params(content)).toEqual([
      {
        key: "sampleLink",
        p: { title: "PR #7", text: "Fix the parser", messageUrl: "https://git.example/pr/7", picUrl: "" },
      },
    ]);
    expect(encodeForWebhook({ ...content, picUrl: "https://img/x.png" })).toEqual([
      {
        msgtype: "link",
        link: {
          title: "PR #7",
          text: "Fix the parser",
          messageUrl: "https://git.example/pr/7",
          picUrl: "https://img/x.png",
        },
      },
    ]);
  });

  it("actionCard picks the msgKey from the real catalogue by button count", () => {
    const key = (buttons: ActionButton[]) =>
      params({ type: "actionCard", title: "t", text: "x", buttons })[0]?.key;
    expect(key(btn(1))).toBe("sampleActionCard");
    expect(key(btn(2))).toBe("sampleActionCard6");
    expect(key(btn(2, true))).toBe("sampleActionCard2");
    expect(key(btn(3))).toBe("sampleActionCard3");
    expect(key(btn(4))).toBe("sampleActionCard4");
    expect(key(btn(5))).toBe("sampleActionCard5");
    expect(key(btn(9))).toBe("sampleActionCard5");
    expect(key([])).toBe("sampleMarkdown");
  });

  it("actionCard fields follow §3.5 and extra buttons become links", () => {
    const [one] = params({ type: "actionCard", title: "t", text: "x", buttons: btn(1) });
    expect(one?.p).toEqual({ title: "t", text: "x", singleTitle: "B1", singleURL: "https://x/0" });
    const [three] = params({ type: "actionCard", title: "t", text: "x", buttons: btn(3) });
    expect(three?.p).toMatchObject({ actionTitle1: "B1", actionURL1: "https://x/0", actionTitle3: "B3" });
    const [seven] = params({ type: "actionCard", title: "t", text: "x", buttons: btn(7) });
    expect(seven?.p.actionTitle5).toBe("B5");
    expect(seven?.p.actionTitle6).toBeUndefined();
    expect(seven?.p.text).toBe("x\n\n- [B6](https://x/5)  \n- [B7](https://x/6)");
    const [two] = params({ type: "actionCard", title: "t", text: "x", buttons: btn(2) });
    expect(two?.p).toEqual({
      title: "t",
      text: "x",
      buttonTitle1: "B1",
      buttonUrl1: "https://x/0",
      buttonTitle2: "B2",
      buttonUrl2: "https://x/1",
    });
  });

  it("actionCard webhook bodies", () => {
    expect(encodeForWebhook({ type: "actionCard", title: "t", text: "x", buttons: btn(1) })).toEqual([
      {
        msgtype: "actionCard",
        actionCard: {
          title: "t",
          text: "x",
          btnOrientation: "0",
          singleTitle: "B1",
          singleURL: "https://x/0",
        },
      },
    ]);
    expect(encodeForWebhook({ type: "actionCard", title: "t", text: "x", buttons: btn(3, true) })).toEqual([
      {
        msgtype: "actionCard",
        actionCard: {
          title: "t",
          text: "x",
          btnOrientation: "0",
          btns: btn(3, true).map((b) => ({ title: b.title, actionURL: b.url })),
        },
      },
    ]);
  });

  it("image and file", () => {
    expect(params({ type: "image", mediaId: "@lADOxyz" })).toEqual([
      { key: "sampleImageMsg", p: { photoURL: "@lADOxyz" } },
    ]);
    expect(encodeForWebhook({ type: "image", mediaId: "@lADOxyz" })).toEqual([
      { msgtype: "markdown", markdown: { title: "[image]", text: "![image](@lADOxyz)" } },
    ]);
    const file: OutboundContent = { type: "file", mediaId: "@m", fileName: "Report.PDF", fileType: "" };
    expect(params(file)).toEqual([
      { key: "sampleFile", p: { mediaId: "@m", fileName: "Report.PDF", fileType: "pdf" } },
    ]);
    expect(encodeForWebhook(file)).toEqual([]);
    expect(webhookSupports(file)).toBe(false);
    expect(webhookSupports({ type: "image", mediaId: "@m" })).toBe(true);
  });

  it("only ever produces catalogue keys", () => {
    const contents: OutboundContent[] = [
      { type: "text", text: "a" },
      { type: "markdown", title: "", text: "# a" },
      { type: "link", title: "a", text: "b", url: "https://a" },
      { type: "image", mediaId: "@a" },
      { type: "file", mediaId: "@a", fileName: "a.zip", fileType: "zip" },
      ...[0, 1, 2, 3, 4, 5, 6, 12].map(
        (n): OutboundContent => ({ type: "actionCard", title: "a", text: "b", buttons: btn(n) }),
      ),
    ];
    for (const c of contents) for (const m of encodeForOpenApi(c)) expect(CATALOGUE.has(m.msgKey)).toBe(true);
  });
});

describe("toDingTalkMarkdown", () => {
  const cases: [string, string, string][] = [
    [
      "table",
      "Results:\n| Name | State |\n|:--|--:|\n| build | ok |\n| test \\| lint | fail |",
      "Results:\n\n**Name · State**\n- build · ok\n- test | lint · fail",
    ],
    ["task list", "- [ ] todo\n- [x] done", "- ☐ todo  \n- ☑ done"],
    ["heading space", "#Title\n##Sub", "# Title\n## Sub"],
    ["html-like text escaped, code kept", "Vec<String> and `Vec<u8>`", "Vec&lt;String> and `Vec<u8>`"],
    ["autolink", "see <https://a.example/x?y=1>", "see https://a.example/x?y=1"],
    ["soft breaks become hard breaks", "line one\nline two\n\npara", "line one  \nline two\n\npara"],
    [
      "fence untouched",
      "```html\n<div>|a|b|</div>\n|-|-|\nx\n```\nafter",
      "```html\n<div>|a|b|</div>\n|-|-|\nx\n```\nafter",
    ],
    ["CRLF", "a\r\nb", "a  \nb"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(toDingTalkMarkdown(input)).toBe(expected);
  });
});
