/** Server-sent events of the daemon's group stream: `ledger` (durable events) and `stream` (live chat.stream). */

export interface SseItem {
  /** The `event:` name; "message" when the block has none. */
  event: string;
  data: unknown;
}

/** Parses a server-sent event stream into named items (comments and empty blocks skipped). */
export async function* sseItems(res: Response): AsyncGenerator<SseItem> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      if (data) yield { event, data: JSON.parse(data) };
      end = buffer.indexOf("\n\n");
    }
  }
}
