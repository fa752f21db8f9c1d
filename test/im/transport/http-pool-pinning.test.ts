// Pinned addresses (transport/pinned-lookup.ts) in the keep-alive pool, with real loopback sockets:
// two servers on the same port, 127.0.0.1 (what `localhost` resolves to here) and 127.0.0.2. A
// request for `localhost` pinned to 127.0.0.2 must reach that one, never the DNS answer; a kept-alive
// socket is reused only by a request pinned to the same addresses (a rebinding opens a new one).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { HttpPool } from "../../../src/im/transport/http-pool.js";
import { pinKey, pinnedLookup } from "../../../src/im/transport/pinned-lookup.js";

interface Named {
  name: string;
  connections: number;
  paths: string[];
  server: Server;
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function listen(name: string, host: string, port: number): Promise<Named> {
  const n: Named = { name, connections: 0, paths: [], server: createServer() };
  n.server.on("request", (req, res) => {
    n.paths.push(req.url ?? "");
    res.end(JSON.stringify({ name, host: req.headers.host }));
  });
  n.server.on("connection", () => n.connections++);
  await new Promise<void>((r) => n.server.listen(port, host, r));
  cleanup.push(async () => {
    n.server.closeAllConnections();
    await new Promise<void>((r) => n.server.close(() => r()));
  });
  return n;
}

/** The "DNS answer" (127.0.0.1) and the "approved" address (127.0.0.2), both on one port. */
async function twoServers(): Promise<{ dns: Named; approved: Named; port: number }> {
  const dns = await listen("dns", "127.0.0.1", 0);
  const port = (dns.server.address() as AddressInfo).port;
  const approved = await listen("approved", "127.0.0.2", port);
  return { dns, approved, port };
}

function pool(): HttpPool {
  const p = new HttpPool();
  cleanup.push(() => p.close());
  return p;
}

describe("HttpPool with pinned addresses", () => {
  it("connects to the approved address, not to the name's DNS answer; Host stays the name", async () => {
    const { dns, approved, port } = await twoServers();
    const p = pool();
    const url = new URL(`http://localhost:${port}/pinned`);
    const res = await p.request({ method: "GET", url, addresses: ["127.0.0.2"] });
    expect(res.json()).toEqual({ name: "approved", host: `localhost:${port}` });
    expect(dns.connections).toBe(0);
    // Unpinned (a configured base): the name is resolved as usual.
    const plain = await p.request({ method: "GET", url: new URL(`http://localhost:${port}/plain`) });
    expect(plain.json()).toMatchObject({ name: "dns" });
    expect(approved.paths).toEqual(["/pinned"]);
  });

  it("reuses a kept-alive socket only for the same approved set; a rebinding opens another", async () => {
    const { dns, approved, port } = await twoServers();
    const p = pool();
    const url = new URL(`http://localhost:${port}/x`);
    for (let i = 0; i < 3; i++) await p.request({ method: "GET", url, addresses: ["127.0.0.2"] });
    expect(approved.connections).toBe(1);
    // The same origin, now approved at 127.0.0.1: the idle socket to 127.0.0.2 is not taken.
    const rebound = await p.request({ method: "GET", url, addresses: ["127.0.0.1"] });
    expect(rebound.json()).toMatchObject({ name: "dns" });
    expect(approved.paths).toHaveLength(3);
    // Back to the first set (in another order): its idle socket is reused.
    await p.request({ method: "GET", url, addresses: ["127.0.0.2", "127.0.0.2"] });
    expect(approved.connections).toBe(1);
    expect(approved.paths).toHaveLength(4);
    expect(dns.connections).toBe(1);
    expect(p.sockets()).toEqual({ open: 2, idle: 2 });
  });

  it("fails rather than connect elsewhere when no approved address fits", async () => {
    const { dns, port } = await twoServers();
    const p = pool();
    const url = new URL(`http://localhost:${port}/`);
    await expect(p.request({ method: "GET", url, addresses: [] })).rejects.toMatchObject({
      code: "ENOTFOUND",
    });
    expect(dns.connections).toBe(0);
  });

  it("https: SNI is the host name and the certificate is still verified", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cccc-pin-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    execFileSync("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-subj", "/CN=files.dingtalk.com", "-days", "1", "-keyout", key, "-out", cert],
    ]);
    const names: string[] = [];
    const tls = createTlsServer({
      key: readFileSync(key),
      cert: readFileSync(cert),
      // The SNI the client sent; the default context answers.
      SNICallback: (servername, done) => {
        names.push(servername);
        done(null, undefined);
      },
    });
    tls.on("tlsClientError", () => {});
    await new Promise<void>((r) => tls.listen(0, "127.0.0.2", r));
    cleanup.push(() => new Promise<void>((r) => tls.close(() => r())));
    const port = (tls.address() as AddressInfo).port;
    const p = pool();
    const url = new URL(`https://files.dingtalk.com:${port}/f`);
    await expect(p.request({ method: "GET", url, addresses: ["127.0.0.2"] })).rejects.toMatchObject({
      code: "DEPTH_ZERO_SELF_SIGNED_CERT",
    });
    expect(names).toEqual(["files.dingtalk.com"]);
  });
});

describe("pinnedLookup", () => {
  const ask = (addresses: string[], options: object) =>
    new Promise<unknown>((resolve) =>
      pinnedLookup(addresses)("h.example", options, (err, address, family) =>
        resolve(err ? (err as { code?: string }).code : { address, family }),
      ),
    );
  it("answers only the approved addresses, by family, one or all", async () => {
    expect(await ask(["203.0.113.7", "2001:db8::1"], { all: true })).toEqual({
      address: [
        { address: "203.0.113.7", family: 4 },
        { address: "2001:db8::1", family: 6 },
      ],
      family: undefined,
    });
    expect(await ask(["203.0.113.7", "2001:db8::1"], { family: 6 })).toEqual({
      address: "2001:db8::1",
      family: 6,
    });
    expect(await ask(["203.0.113.7"], { family: 6 })).toBe("ENOTFOUND");
    expect(pinKey(["b", "a", "b"])).toBe(pinKey(["a", "b"]));
  });
});
