/**
 * Grapheme-safe cutting of user text (what a reader sees as one character: an emoji with its
 * skin tone, a ZWJ family, a flag, a letter with its combining marks). Boundaries come from
 * `Intl.Segmenter` (Unicode UAX #29 extended grapheme clusters), never from code units or code
 * points, so a preview or a split never sends half a character. Pure functions.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The text's grapheme clusters, in order. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Number of grapheme clusters (user-perceived characters). */
export function graphemeCount(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** Grapheme boundary lookups over one text, segmented once. */
export class GraphemeBoundaries {
  private readonly segments: Intl.Segments;
  constructor(readonly text: string) {
    this.segments = segmenter.segment(text);
  }

  /** True when `index` (UTF-16 offset) is a grapheme boundary (0 and text.length always are). */
  isBoundary(index: number): boolean {
    if (index <= 0 || index >= this.text.length) return true;
    return this.segments.containing(index)?.index === index;
  }

  /** The largest boundary ≤ `index`. */
  atOrBefore(index: number): number {
    if (index >= this.text.length) return this.text.length;
    if (index <= 0) return 0;
    return this.segments.containing(index)?.index ?? index;
  }
}

/**
 * The longest prefix of `text` that is at most `maxUnits` UTF-16 code units and ends on a grapheme
 * boundary (empty when the first character alone is longer).
 */
export function cutToUnits(text: string, maxUnits: number): string {
  if (text.length <= maxUnits) return text;
  return text.slice(0, new GraphemeBoundaries(text).atOrBefore(Math.max(0, maxUnits)));
}

/** At most `max` graphemes, ending with `ellipsis` (counted in `max`) when cut. */
export function truncateGraphemes(text: string, max: number, ellipsis = "…"): string {
  const parts = graphemes(text);
  if (parts.length <= max) return text;
  return `${parts
    .slice(0, Math.max(0, max - graphemeCount(ellipsis)))
    .join("")
    .trimEnd()}${ellipsis}`;
}
