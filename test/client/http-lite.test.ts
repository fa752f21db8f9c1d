import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError, DaemonClient } from "../../src/client/daemon-client.js";
import { httpRequest } from "../../src/client/http-lite.js";
import { HttpParseError } from "../../src/client/http-parse.js";

// Real servers on loopback: node:http (what fastify sits on) and raw sockets for what it never sends.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<URL> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

function httpServer(handler: RequestListener): Promise<URL> {
  const server = createHttpServer(handler);
  cleanups.push(() => server.closeAllConnections());
  return listen(server);
}

/** A server that writes `answer` (then closes unless `keepOpen`) whatever it is asked. */
function rawServer(answer: string, keepOpen = false): Promise<URL> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.once("data", () => (keepOpen ? s.write(answer) : s.end(answer)));
  });
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
  });
  return listen(server);
}

function readBody(req: Parameters<RequestListener>[0]): Promise<string> {
  return new Promise((r) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c) => {
      s += c;
    });
    req.on("end", () => r(s));
  });
}

describe("httpRequest over node:net", () => {
  it("sends method, path, query, headers and body; reads status, headers and a JSON body", async () => {
    const url = await httpServer(async (req, res) => {
      const body = await readBody(req);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ method: req.method, url: req.url, ct: req.headers["content-type"], body }));
    });
    const r = await httpRequest(new URL("api/v1/x?a=1&b=é", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"text":"héllo ✓"}',
    });
    expect(r.ok).toBe(true);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(r.text)).toEqual({
      method: "POST",
      url: "/api/v1/x?a=1&b=%C3%A9",
      ct: "application/json",
      body: '{"text":"héllo ✓"}',
    });
    const bytes = await httpRequest(url, { method: "PUT", body: new Uint8Array([0xe2, 0x9c, 0x93]) });
    expect(JSON.parse(bytes.text).body).toBe("✓");
  });

  it("reads chunked answers and error statuses", async () => {
    const url = await httpServer((req, res) => {
      res.statusCode = req.url === "/missing" ? 404 : 200;
      res.write("part one, ");
      setTimeout(() => res.end("part two"), 20);
    });
    const r = await httpRequest(url);
    expect(r.text).toBe("part one, part two");
    const missing = await httpRequest(new URL("missing", url));
    expect(missing).toMatchObject({ status: 404, ok: false, text: "part one, part two" });
  });

  it("asks for Connection: close and still finishes when a server keeps the socket open", async () => {
    let connection: string | undefined;
    const url = await httpServer((req, res) => {
      connection = req.headers.connection;
      res.end("ok");
    });
    expect((await httpRequest(url)).text).toBe("ok");
    expect(connection).toBe("close");
    const open = await rawServer("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nopen", true);
    expect((await httpRequest(open, { timeoutMs: 5000 })).text).toBe("open");
  });

  it("reads a large body that arrives in many chunks", async () => {
    const big = `${"x".repeat(4 * 1024 * 1024 - 1)}!`;
    const url = await httpServer((_req, res) => {
      res.setHeader("content-length", big.length);
      res.end(big);
    });
    const r = await httpRequest(url);
    expect(r.text.length).toBe(big.length);
    expect(r.text.endsWith("x!")).toBe(true);
  });

  it("reads a body without framing until the server closes", async () => {
    const url = await rawServer("HTTP/1.1 200 OK\r\n\r\nuntil the end");
    expect((await httpRequest(url)).text).toBe("until the end");
  });

  it("rejects malformed and truncated answers with a clear error", async () => {
    const garbage = await rawServer("SSH-2.0-OpenSSH\r\n\r\n");
    await expect(httpRequest(garbage)).rejects.toThrow(HttpParseError);
    await expect(httpRequest(garbage)).rejects.toThrow(
      /malformed HTTP response from the daemon: bad status line/,
    );
    const short = await rawServer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    await expect(httpRequest(short)).rejects.toThrow(/closed after 3 of 10 body bytes/);
    const nothing = await rawServer("");
    await expect(httpRequest(nothing)).rejects.toThrow(/closed without an answer/);
  });

  it("fails with ECONNREFUSED when nothing listens, and times out when nothing answers", async () => {
    const closed = createNetServer();
    const url = await listen(closed);
    await new Promise((r) => closed.close(r));
    await expect(httpRequest(url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    const silent = createNetServer((s) => cleanups.push(() => s.destroy()));
    const silentUrl = await listen(silent);
    await expect(httpRequest(silentUrl, { timeoutMs: 100 })).rejects.toThrow(/timed out after 100 ms/);
  });

  it("refuses what would break the request's framing, and anything but http:", async () => {
    const url = new URL("http://127.0.0.1:1/");
    await expect(httpRequest(url, { headers: { "x-a": "1\r\nx-b: 2" } })).rejects.toThrow(
      /bad request header/,
    );
    await expect(httpRequest(new URL("https://127.0.0.1:1/"))).rejects.toThrow(/plain http only/);
  });
});

describe("DaemonClient over httpRequest", () => {
  function home(endpoint: object): DaemonClient {
    const dir = mkdtempSync(join(tmpdir(), "cccc-client-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, "daemon"), { recursive: true });
    writeFileSync(join(dir, "daemon", "endpoint.json"), JSON.stringify(endpoint));
    return new DaemonClient({ env: { CCCC_HOME: dir }, autostart: false });
  }

  it("talks to the endpoint a live pid names, and carries API errors with their code", async () => {
    const url = await httpServer(async (req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/api/v1/nope") {
        res.statusCode = 409;
        res.end(JSON.stringify({ error: { code: "conflict", message: "No." } }));
      } else if (req.url === "/api/v1/text") res.end("not json");
      else res.end(JSON.stringify({ got: JSON.parse(await readBody(req)) }));
    });
    const client = home({ url: url.href, pid: process.pid });
    expect(await client.post("/api/v1/echo", { a: 1 })).toEqual({ got: { a: 1 } });
    await expect(client.get("/api/v1/nope")).rejects.toMatchObject({ code: "conflict", message: "No." });
    await expect(client.get("/api/v1/nope")).rejects.toBeInstanceOf(ApiError);
    await expect(client.get("/api/v1/text")).rejects.toMatchObject({ code: "bad_response" });
  });

  it("a refused connection to a live pid's endpoint looks for the daemon (here: none, no autostart)", async () => {
    const closed = createNetServer();
    const url = await listen(closed);
    await new Promise((r) => closed.close(r));
    const client = home({ url: url.href, pid: process.pid });
    await expect(client.get("/api/v1/groups")).rejects.toMatchObject({ code: "daemon_not_running" });
  });
});
