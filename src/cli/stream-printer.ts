/** `cccc tail -f --stream`: live chat.stream items as lines: new text, activity changes, the end state. */

import type { ChatStreamItem } from "../daemon/stream-hub.js";

interface Seen {
  text: string;
  activity: string;
}

export class StreamPrinter {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly json: boolean,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  show(item: ChatStreamItem): void {
    if (this.json) {
      this.write(JSON.stringify(item));
      return;
    }
    const d = item.data;
    const who = `~ ${d.actor_id}`;
    let seen = this.seen.get(d.stream_id);
    if (!seen) {
      seen = { text: "", activity: "" };
      this.seen.set(d.stream_id, seen);
      // First sight of a stream: its start, or a snapshot when tail joined while it ran.
      this.write(`${who} is replying${d.reply_to ? ` to ${d.reply_to.slice(0, 8)}` : ""}…`);
    }
    if (d.activity && d.activity !== seen.activity) this.write(`${who} [${d.activity}]`);
    seen.activity = d.activity;
    const fresh = d.text.startsWith(seen.text) ? d.text.slice(seen.text.length) : d.text;
    if (fresh.trim() !== "") this.write(`${who}: ${fresh.replace(/\n+/g, " ⏎ ")}`);
    seen.text = d.text;
    if (d.op === "end") {
      this.seen.delete(d.stream_id);
      this.write(`${who} ${d.state ?? "done"}${d.error ? `: ${d.error}` : ""}`);
    }
  }
}
