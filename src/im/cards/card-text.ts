/**
 * Card text rules (pure): the streaming view (activity line above the text, cut to what one card
 * renders) and the lossless split of a final answer into card-sized parts.
 */

/** The text while streaming: `> activity` line, then the snapshot, cut with "…" to `max` units. */
export function streamingText(text: string, activity: string, max: number): string {
  const status = activity.trim() ? `> ${activity.trim().split("\n")[0]}\n\n` : "";
  const room = Math.max(1, max - status.length);
  const body = text.length > room ? `${cutAt(text, room - 1)}…` : text;
  return `${status}${body}`;
}

/** Parts of at most `max` UTF-16 units whose concatenation is exactly `text` (never splits a pair). */
export function splitForCards(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let end = cutAt(rest, max).length;
    // Prefer a paragraph, then a line break, in the last third of the window.
    const floor = Math.floor((max * 2) / 3);
    const para = rest.lastIndexOf("\n\n", end - 2);
    const line = rest.lastIndexOf("\n", end - 1);
    if (para >= floor) end = para + 2;
    else if (line >= floor) end = line + 1;
    parts.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  parts.push(rest);
  return parts;
}

/** The first `n` units of `s`, one less when that would split a surrogate pair. */
function cutAt(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return code >= 0xd800 && code <= 0xdbff ? s.slice(0, n - 1) : s.slice(0, n);
}

/** The text of an ended card: what streamed, then the state line. */
export function endedText(text: string, note: string, max: number): string {
  const tail = `\n\n---\n${note}`;
  const room = Math.max(1, max - tail.length);
  const body = text.length > room ? `${cutAt(text, room - 1)}…` : text;
  return body.trim() ? `${body}${tail}` : note;
}
