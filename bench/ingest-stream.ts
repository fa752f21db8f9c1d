/**
 * The daemon's live event stream (`GET /api/v1/groups/:gid/stream`, server-sent events) as the
 * ingest benchmark sees it: user messages whose text is `bench <run> <seq> @<push time>` are counted
 * per run, with push → event latency (both clocks are performance.timeOrigin + now on one machine).
 */
interface RunState {
  count: number;
  firstPushAt: number;
  lastAt: number;
  latencies: number[];
}

const TEXT = /^bench (\S+) \d+ @([\d.]+)$/;

export class LiveStream {
  private readonly runs = new Map<string, RunState>();
  private readonly abort = new AbortController();

  private constructor() {}

  static async open(baseUrl: string, gid: string): Promise<LiveStream> {
    const live = new LiveStream();
    const res = await fetch(new URL(`api/v1/groups/${gid}/stream`, baseUrl), { signal: live.abort.signal });
    if (!res.ok || !res.body) throw new Error(`live stream: HTTP ${res.status}`);
    void live.read(res.body).catch(() => {});
    return live;
  }

  /** Resolves once `want` messages of `run` were seen on the stream. */
  async waitFor(run: string, want: number, timeoutMs: number): Promise<RunState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.runs.get(run);
      if (r && r.count >= want) return r;
      if (Date.now() > deadline) throw new Error(`live stream: ${r?.count ?? 0} of ${want} for ${run}`);
      await new Promise((ok) => setTimeout(ok, 5));
    }
  }

  latenciesOf(match: (run: string) => boolean): number[] {
    return [...this.runs].flatMap(([run, r]) => (match(run) ? r.latencies : []));
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of body) {
      buf += decoder.decode(chunk, { stream: true });
      let end = buf.indexOf("\n\n");
      while (end >= 0) {
        this.onEvent(buf.slice(0, end));
        buf = buf.slice(end + 2);
        end = buf.indexOf("\n\n");
      }
    }
  }

  private onEvent(block: string): void {
    const at = performance.timeOrigin + performance.now();
    const data = block.split("\n").find((l) => l.startsWith("data: "));
    if (!data) return;
    const e = JSON.parse(data.slice(6)) as { kind?: string; data?: { text?: unknown } };
    if (e.kind !== "chat.message" || typeof e.data?.text !== "string") return;
    const m = TEXT.exec(e.data.text);
    if (!m?.[1]) return;
    const pushedAt = Number(m[2]);
    let r = this.runs.get(m[1]);
    if (!r) {
      r = { count: 0, firstPushAt: pushedAt, lastAt: at, latencies: [] };
      this.runs.set(m[1], r);
    }
    r.count++;
    r.firstPushAt = Math.min(r.firstPushAt, pushedAt);
    r.lastAt = at;
    r.latencies.push(at - pushedAt);
  }
}
