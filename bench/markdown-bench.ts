/**
 * The DingTalk markdown pipeline (docs/dingtalk-format.md §3–4): GFM → dialect on `marked`'s token
 * tree, then the grapheme-safe, fence-aware split, as `encodeForOpenApi` runs them for one reply.
 * Median CPU time per reply for three shapes; the goal: a 4,000-character reply (more than one
 * DingTalk message holds) is encoded in well under the ~100 ms one send takes.
 */
import { encodeForOpenApi } from "../src/im/dingtalk/encode.js";
import type { OutboundContent } from "../src/im/types.js";
import { exitCode, median, table } from "./bench-kit.js";

const section = (i: number) =>
  `## Part ${i} 🧑🏽‍💻\n\n| file | state |\n|---|---|\n| a${i}.ts | ok |\n\n- [x] done ${i}\n  - [ ] sub ${i}\n\n` +
  `Prose 中文段落，测试一下。Vec<String> and \`code\`\n\n\`\`\`ts\n${"const x = 1; // 中文\n".repeat(20)}\`\`\`\n`;

const shapes: Array<[string, OutboundContent, number]> = [
  [
    "markdown reply, 4 K units",
    { type: "markdown", title: "lead", text: Array.from({ length: 8 }, (_, i) => section(i)).join("\n") },
    20,
  ],
  [
    "markdown reply, 31 K units",
    { type: "markdown", title: "lead", text: Array.from({ length: 60 }, (_, i) => section(i)).join("\n") },
    0,
  ],
  [
    "plain CJK + emoji text, 30 K units",
    { type: "text", text: "钉钉消息分段测试，👨‍👩‍👧‍👦🇨🇳 ".repeat(2000) },
    0,
  ],
];

const rows = shapes.map(([name, content, goalMs]) => {
  const text = "text" in content ? content.text : "";
  for (let i = 0; i < 10; i++) encodeForOpenApi(content);
  const times: number[] = [];
  let parts = 0;
  for (let i = 0; i < 40; i++) {
    // CPU time, not wall time: the machine may be shared (load average in the run header).
    const c0 = process.cpuUsage();
    parts = encodeForOpenApi(content).length;
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  const m = median(times);
  return {
    metric: `${name} (${text.length} units → ${parts} messages)`,
    measured: `${m.toFixed(1)} ms`,
    ...(goalMs > 0 ? { goal: `< ${goalMs} ms`, pass: m < goalMs } : {}),
  };
});

table("DingTalk markdown pipeline: median CPU time to encode one reply", rows);
process.exitCode = exitCode();
