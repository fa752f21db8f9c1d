// The keep-alive HTTP pool (transport/http-pool.ts) against a real loopback server: reuse, the
// per-origin bound, idle close, abort, timeout, the size cap, close() and a stale reused socket.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpPool, ResponseTooLargeError } from "../../../src/im/transport/http-pool.js";
import { encodeMultipart } from "../../../src/im/transport/multipart.js";
import { parseMultipart } from "../../fakes/dingtalk/http.js";

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

interface TestServer {
  url: (path?: string) => URL;
  seen: () => number;
  live: Set<Socket>;
  close(): Promise<void>;
}

let servers: TestServer[] = [];
let pools: HttpPool[] = [];

async function serve(handler: Handler): Promise<TestServer> {
  const live = new Set<Socket>();
  let seen = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks)));
  });
  server.on("connection", (s: Socket) => {
    seen++;
    live.add(s);
    s.once("close", () => live.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const t: TestServer = {
    url: (path = "/") => new URL(path, `http://127.0.0.1:${port}`),
    seen: () => seen,
    live,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  servers.push(t);
  return t;
}

function pool(opts: ConstructorParameters<typeof HttpPool>[0] = {}): HttpPool {
  const p = new HttpPool(opts);
  pools.push(p);
  return p;
}

const ok: Handler = (_req, res, body) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ got: body.toString() }));
};

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  for (const p of pools) p.close();
  for (const s of servers) await s.close();
  pools = [];
  servers = [];
});

describe("HttpPool", () => {
  it("reuses one connection for sequential requests and returns status, headers and body", async () => {
    const s = await serve(ok);
    const p = pool();
    for (let i = 0; i < 20; i++) {
      const res = await p.request({ method: "POST", url: s.url("/x"), body: `n${i}` });
      expect(res.status).toBe(200);
      expect(res.header("Content-Type")).toBe("application/json");
      expect(res.json()).toEqual({ got: `n${i}` });
    }
    expect(s.seen()).toBe(1);
    expect(p.sockets()).toEqual({ open: 1, idle: 1 });
  });

  it("opens at most maxSockets per origin and keeps at most maxFreeSockets idle", async () => {
    const s = await serve((req, res, body) => setTimeout(() => ok(req, res, body), 20));
    const p = pool({ maxSockets: 4, maxFreeSockets: 2 });
    const all = await Promise.all(
      Array.from({ length: 30 }, (_, i) => p.request({ method: "GET", url: s.url(`/${i}`) })),
    );
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(s.seen()).toBe(4);
    await until(() => s.live.size === 2);
    expect(p.sockets()).toEqual({ open: 2, idle: 2 });
  });

  it("closes idle connections after idleMs", async () => {
    const s = await serve(ok);
    const p = pool({ idleMs: 100 });
    await p.request({ method: "GET", url: s.url() });
    expect(s.live.size).toBe(1);
    await until(() => s.live.size === 0 && p.sockets().open === 0);
    await p.request({ method: "GET", url: s.url() });
    expect(s.seen()).toBe(2);
  });

  it("aborts on the signal and times out, destroying the connection each time", async () => {
    const s = await serve(() => {}); // never answers
    const p = pool();
    const ac = new AbortController();
    const aborted = p.request({ method: "GET", url: s.url(), signal: ac.signal });
    await until(() => s.live.size === 1);
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    await until(() => s.live.size === 0);
    const started = Date.now();
    await expect(p.request({ method: "GET", url: s.url(), timeoutMs: 100 })).rejects.toMatchObject({
      name: "TimeoutError",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await until(() => s.live.size === 0 && p.sockets().open === 0);
  });

  it("refuses a body over maxBytes, declared or streamed, and stays usable", async () => {
    const s = await serve((req, res) => {
      const big = Buffer.alloc(4096, 1);
      if (req.url === "/chunked") {
        res.writeHead(200);
        res.write(big.subarray(0, 2048));
        setTimeout(() => res.end(big.subarray(2048)), 10);
      } else {
        res.writeHead(200, { "content-length": big.length });
        res.end(big);
      }
    });
    const p = pool();
    for (const path of ["/declared", "/chunked"]) {
      const err = await p.request({ method: "GET", url: s.url(path), maxBytes: 1024 }).catch((e) => e);
      expect(err).toBeInstanceOf(ResponseTooLargeError);
      expect(err).toMatchObject({ maxBytes: 1024, status: 200 });
    }
    const res = await p.request({ method: "GET", url: s.url("/declared"), maxBytes: 4096 });
    expect(res.body.length).toBe(4096);
  });

  it("close() destroys idle and in-use connections; 20 start/stop cycles leave no socket behind", async () => {
    const s = await serve((req, res, body) => {
      if (req.url !== "/hang") ok(req, res, body);
    });
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
    const baseline = sockets();
    for (let i = 0; i < 20; i++) {
      const p = new HttpPool();
      const hanging = p.request({ method: "GET", url: s.url("/hang") });
      hanging.catch(() => {});
      await p.request({ method: "GET", url: s.url() }); // a second connection, then idle
      expect(p.sockets()).toEqual({ open: 2, idle: 1 });
      p.close();
      await expect(hanging).rejects.toBeTruthy();
      await expect(p.request({ method: "GET", url: s.url() })).rejects.toThrow(/closed/);
      await until(() => s.live.size === 0);
    }
    expect(s.seen()).toBe(40);
    await until(() => sockets() <= baseline);
  });

  it("retries a request whose reused connection the server had closed, not one on a fresh connection", async () => {
    let n = 0;
    const s = await serve((req, res, body) => {
      n++;
      // The second request on the first connection finds it closed (as after a server's idle timeout).
      if (n === 2 || req.url === "/reset") req.socket.destroy();
      else ok(req, res, body);
    });
    const p = pool();
    await p.request({ method: "POST", url: s.url(), body: "a" });
    const res = await p.request({ method: "POST", url: s.url(), body: "b" });
    expect(res.json()).toEqual({ got: "b" });
    expect(s.seen()).toBe(2);
    p.close();
    const fresh = pool();
    await expect(fresh.request({ method: "POST", url: s.url("/reset"), body: "c" })).rejects.toMatchObject({
      code: "ECONNRESET",
    });
  });
});

describe("encodeMultipart", () => {
  it("encodes fields and files the way a multipart parser reads them back", () => {
    const data = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    const form = encodeMultipart([
      { name: "type", value: "file" },
      { name: "media", filename: '需求 "说明".pdf', contentType: "application/pdf", data },
    ]);
    expect(form.contentType).toMatch(/^multipart\/form-data; boundary=-+cccc[0-9a-f]{24}$/);
    const parts = parseMultipart(form.body, form.contentType);
    expect(parts.map((x) => [x.name, x.filename, x.contentType])).toEqual([
      ["type", undefined, undefined],
      ["media", "需求 %22说明%22.pdf", "application/pdf"],
    ]);
    expect(parts[0]?.data.toString()).toBe("file");
    expect(parts[1]?.data.equals(data)).toBe(true);
  });
});
