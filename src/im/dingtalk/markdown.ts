/**
 * GFM → DingTalk markdown dialect (DingTalk renders a subset — headings, bold,
 * italic, links, images, lists, quotes, code — and renders tables poorly; clients differ on PC and
 * mobile). Rules, applied line by line outside fenced code (fences pass through untouched):
 *
 * 1. Tables become a bold header line (`**A · B**`) plus one bullet per row (`- a · b`).
 * 2. Task list items `- [ ]` / `- [x]` become `- ☐` / `- ☑`.
 * 3. `#Heading` without a space gets the space DingTalk needs.
 * 4. Autolinks `<https://…>` become bare URLs; other tag-like `<` (e.g. `Vec<String>`) is escaped
 *    as `&lt;` so the client does not swallow it as HTML. Inline code is left alone.
 * 5. Single newlines inside a block become hard breaks (two trailing spaces): DingTalk clients
 *    differ in whether they join soft-wrapped lines, and agents mean their newlines.
 * 6. CRLF becomes LF.
 * See docs/dingtalk-format.md.
 */

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const HEADING = /^ {0,3}#{1,6}(\s|$)/;

/** Split a table row into cells, honouring `\|` escapes. */
export function tableCells(row: string): string[] {
  let s = row.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "\\" && s[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (ch === "|") {
      cells.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells.map((c) => c.replace(/<br\s*\/?>/gi, " "));
}

function isTableStart(lines: string[], i: number): boolean {
  const head = lines[i] ?? "";
  const sep = lines[i + 1] ?? "";
  return (
    head.includes("|") &&
    sep.includes("-") &&
    TABLE_SEP.test(sep) &&
    (sep.includes("|") || head.includes("|"))
  );
}

function renderTable(rows: string[][]): string[] {
  const [header, ...body] = rows;
  const out: string[] = [];
  if (header?.some((c) => c !== "")) out.push(`**${header.join(" · ")}**`);
  for (const row of body) out.push(`- ${row.join(" · ")}`);
  return out;
}

/** Apply rule 4 to the parts of a line outside inline code spans. */
function escapeInline(line: string): string {
  const parts = line.split(/(`+[^`]*`+)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      return part.replace(/<(https?:\/\/[^\s<>]+)>/g, "$1").replace(/<(?=[A-Za-z/!?])/g, "&lt;");
    })
    .join("");
}

function convertLine(line: string): string {
  let out = line.replace(/^(\s*[-*+]\s+)\[([ xX])\](?=\s)/, (_m, lead: string, mark: string) =>
    mark === " " ? `${lead}☐` : `${lead}☑`,
  );
  out = out.replace(/^( {0,3})(#{1,6})(?=[^#\s])/, "$1$2 ");
  return escapeInline(out);
}

/** Convert GFM text to what DingTalk's markdown message renders well. */
export function toDingTalkMarkdown(input: string): string {
  const lines = input.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  // Per output line: may it take a hard break if the next line continues the block?
  const breakable: boolean[] = [];
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const m = FENCE.exec(line);
    if (fence !== null) {
      out.push(line);
      breakable.push(false);
      if (m?.[1] && m[1][0] === fence[0] && m[1].length >= fence.length && (m[2] ?? "").trim() === "") {
        fence = null;
      }
      continue;
    }
    if (m?.[1]) {
      fence = m[1];
      out.push(line);
      breakable.push(false);
      continue;
    }
    if (isTableStart(lines, i)) {
      const rows = [tableCells(line)];
      i += 2;
      while (i < lines.length && (lines[i] ?? "").includes("|") && (lines[i] ?? "").trim() !== "") {
        rows.push(tableCells(lines[i] ?? ""));
        i++;
      }
      i--;
      // A table starts its own block: "Results:\n**A · B**" would otherwise join one paragraph.
      if (out.length > 0 && (out[out.length - 1] ?? "").trim() !== "") {
        out.push("");
        breakable.push(false);
      }
      for (const r of renderTable(rows.map((r) => r.map(escapeInline)))) {
        out.push(r);
        breakable.push(false);
      }
      continue;
    }
    const converted = convertLine(line);
    out.push(converted);
    breakable.push(converted.trim() !== "" && !HEADING.test(converted));
  }
  // Rule 5: hard break when the next line continues the same block.
  for (let i = 0; i + 1 < out.length; i++) {
    const cur = out[i] ?? "";
    const next = out[i + 1] ?? "";
    if (!breakable[i] || next.trim() === "" || / {2}$|\\$/.test(cur) || FENCE.test(next)) continue;
    out[i] = `${cur.replace(/[ \t]+$/, "")}  `;
  }
  return out.join("\n");
}
