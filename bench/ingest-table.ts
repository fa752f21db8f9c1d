/** Tables of the ingest benchmark: metric, measured, goal, PASS/FAIL (a FAIL sets exit code 1). */

/** [metric, measured, goal, pass (undefined: no goal)] */
export type Row = [string, string, string, boolean | undefined];

export function printTable(title: string, rows: Row[]): void {
  const cells = rows.map(([m, v, g, p]) => [m, v, g, p === undefined ? "—" : p ? "PASS" : "FAIL"]);
  const head = ["what", "measured", "goal", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(`\n### ${title}\n`);
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
  if (rows.some((r) => r[3] === false)) process.exitCode = 1;
}

/** Nearest-rank quantile; NaN for an empty list. */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}
