/** Stdout lines of a structured session: UTF-8 split across reads stays whole; runaway lines are dropped. */

import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../src/runners/line-splitter.js";

describe("LineSplitter", () => {
  it("keeps a Chinese character whole when a read ends inside it", () => {
    const bytes = Buffer.from('{"delta":"请看一下构建"}\n{"b":1}\n', "utf8");
    const s = new LineSplitter();
    const lines: string[] = [];
    // Byte by byte: every multi-byte character is split across reads.
    for (let i = 0; i < bytes.length; i++) lines.push(...s.push(bytes.subarray(i, i + 1)).lines);
    expect(lines).toEqual(['{"delta":"请看一下构建"}', '{"b":1}']);
  });

  it("drops a line that grows past the limit without a newline, and goes on after it", () => {
    const s = new LineSplitter(10);
    expect(s.push(Buffer.from("ok\n0123456789ABC"))).toEqual({ lines: ["ok"], overflow: true });
    expect(s.push(Buffer.from("next\n"))).toEqual({ lines: ["next"], overflow: false });
  });
});
