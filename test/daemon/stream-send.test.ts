/**
 * The live event stream sends a new event at once: Node's `res.write` corks the socket until the
 * next tick, which comes only after every other microtask of the ledger commit that woke the stream
 * (the bridge, actor delivery, the appender's continuation: milliseconds under load). Checked by the
 * mechanism, not by wall time: right after the write, nothing is left waiting in the socket.
 */
import { type Channel, channel } from "node:diagnostics_channel";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
let gid: string;
beforeAll(async () => {
  t = await startTestDaemon();
  const created = await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "sse" });
  gid = created.body.group.group_id;
});
afterAll(() => t.close());

/** The server side of the next request whose URL contains `part` (Node's http diagnostics channel). */
function nextResponse(part: string): Promise<ServerResponse> {
  const ch: Channel = channel("http.server.request.start");
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const { request, response } = m as { request: { url?: string }; response: ServerResponse };
      if (!request.url?.includes(part)) return;
      ch.unsubscribe(on);
      resolve(response);
    };
    ch.subscribe(on);
  });
}

describe("live event stream", () => {
  it("hands a new event to the socket before the rest of the commit's microtasks run", async () => {
    const serverSide = nextResponse(`/groups/${gid}/stream`);
    const ctrl = new AbortController();
    const res = await fetch(new URL(`api/v1/groups/${gid}/stream`, t.daemon.url), { signal: ctrl.signal });
    const raw = await serverSide;
    // Each write of our event: look at the socket in the next microtask (the pump has finished its page).
    const seen: { corked: number; waiting: number }[] = [];
    const write = raw.write.bind(raw) as (chunk: string) => boolean;
    raw.write = ((chunk: string) => {
      const ok = write(chunk);
      if (String(chunk).includes("send-now-probe"))
        queueMicrotask(() =>
          seen.push({ corked: raw.socket?.writableCorked ?? -1, waiting: raw.socket?.writableLength ?? -1 }),
        );
      return ok;
    }) as never;
    const reader = res.body?.getReader();
    const group = t.daemon.ctx.kernel.group(gid);
    await group.ledger.append("system.notify", "system", { title: "send-now-probe" });
    const decoder = new TextDecoder();
    let text = "";
    while (reader && !text.includes("send-now-probe")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    ctrl.abort();
    expect(text).toContain("send-now-probe");
    // On the old code: corked 1, the event's bytes still in the socket's buffer.
    expect(seen).toEqual([{ corked: 0, waiting: 0 }]);
  });
});
