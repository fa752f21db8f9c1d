/**
 * The live event stream writes a page of ledger events in one write (one HTTP chunk), not one
 * per event: read over a raw socket, the chunked body's chunk sizes are counted.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
let gid: string;
beforeAll(async () => {
  t = await startTestDaemon();
  const created = await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "pages" });
  gid = created.body.group.group_id;
});
afterAll(() => t.close());

/** The chunks of a chunked HTTP body (the raw bytes after the header), as strings. */
function chunksOf(body: string): string[] {
  const chunks: string[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) return chunks;
    const size = Number.parseInt(body.slice(at, eol), 16);
    if (!(size > 0) || eol + 2 + size > body.length) return chunks;
    chunks.push(body.slice(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

describe("event stream pages", () => {
  it("sends 100 events appended together as one chunk, every seq once and in order", async () => {
    const group = t.daemon.ctx.kernel.group(gid);
    const after = group.ledger.lastSeq();
    const url = new URL(t.daemon.url);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let raw = "";
    socket.on("data", (b: Buffer) => {
      raw += b.toString("latin1");
    });
    socket.write(
      `GET /api/v1/groups/${gid}/stream?after=${after} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    const deadline = () => Date.now() + 5_000;
    let until = deadline();
    while (!raw.includes(": connected") && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const events = await group.ledger.appendMany(
      Array.from({ length: 100 }, (_, i) => ({
        kind: "system.notify",
        by: "system",
        data: { title: `n${i}` },
      })),
    );
    const last = events.at(-1)?.seq ?? 0;
    until = deadline();
    while (!raw.includes(`id: ${last}\n`) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    const withEvents = chunksOf(body).filter((c) => c.includes("event: ledger"));
    const seqs = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => after + 1 + i));
    expect(withEvents).toHaveLength(1);
  });
});
