// DNS rebinding: every hop connects to the addresses its URL check approved (url-guard.ts answers
// them, redirects.ts hands them to the pool, stream.ts to the WebSocket), never to a later DNS
// answer. Real loopback sockets: `localhost` resolves to 127.0.0.1 here; the "approved" server
// listens on 127.0.0.2, same port.
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DingTalkApi } from "../../../src/im/dingtalk/api.js";
import { fetchGuarded } from "../../../src/im/dingtalk/redirects.js";
import { StreamClient } from "../../../src/im/dingtalk/stream.js";
import { hopGuard, untrusted } from "../../../src/im/dingtalk/url-guard.js";
import { MemoryDedupe } from "../../../src/im/transport/dedupe-store.js";
import { HttpPool } from "../../../src/im/transport/http-pool.js";
import { startFakeDingTalk } from "../../fakes/dingtalk/index.js";

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function closing(server: Server | ReturnType<typeof createNetServer>): void {
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
}

describe("hopGuard answers the addresses it checked", () => {
  it("a name that rebinds after the check: the guard's answer is the checked one", async () => {
    const answers = [["203.0.113.7"], ["127.0.0.1"]];
    const guard = hopGuard(["https://api.dingtalk.com"], async () => answers.shift() ?? []);
    await expect(guard(new URL("https://files.dingtalk.com/f"), "download")).resolves.toEqual([
      "203.0.113.7",
    ]);
    // Checked again (a later hop), the rebound answer is refused, not used.
    await expect(guard(new URL("https://files.dingtalk.com/f"), "download")).rejects.toMatchObject({
      code: "dingtalk_untrusted_url",
    });
  });

  it("a configured base is not pinned (resolved as usual when connecting)", async () => {
    const guard = hopGuard(["http://127.0.0.1:40001"], async () => []);
    await expect(guard(new URL("http://127.0.0.1:40001/x"), "api")).resolves.toBeUndefined();
  });
});

describe("fetchGuarded connects each hop to what its check approved", () => {
  async function twoServers() {
    const hits: string[] = [];
    const conns = { dns: 0, approved: 0 };
    const make = (name: "dns" | "approved") =>
      createHttpServer((req, res) => {
        hits.push(`${name} ${req.url}`);
        if (req.url === "/a") res.writeHead(302, { location: "/b" }).end();
        else res.end(name);
      }).on("connection", () => conns[name]++);
    const dns = make("dns");
    await new Promise<void>((r) => dns.listen(0, "127.0.0.1", r));
    closing(dns);
    const port = (dns.address() as AddressInfo).port;
    const approved = make("approved");
    await new Promise<void>((r) => approved.listen(port, "127.0.0.2", r));
    closing(approved);
    for (const s of [dns, approved]) cleanup.push(() => s.closeAllConnections());
    return { hits, conns, port };
  }
  const init = { method: "GET", headers: {}, signal: new AbortController().signal, timeoutMs: 5_000 };
  const pool = () => {
    const p = new HttpPool();
    cleanup.push(() => p.close());
    return p;
  };

  it("the first hop goes to the approved address, not to the name's DNS answer", async () => {
    const { hits, conns, port } = await twoServers();
    const res = await fetchGuarded(pool(), `http://localhost:${port}/b`, init, "download", async () => [
      "127.0.0.2",
    ]);
    expect(res.text()).toBe("approved");
    expect(hits).toEqual(["approved /b"]);
    expect(conns.dns).toBe(0);
  });

  it("a same-origin redirect whose check approves other addresses does not reuse the first socket", async () => {
    const { hits, conns, port } = await twoServers();
    const approvals = [["127.0.0.2"], ["127.0.0.1"]];
    const checked: string[] = [];
    const check = async (url: URL) => {
      checked.push(url.pathname);
      return approvals.shift();
    };
    const res = await fetchGuarded(pool(), `http://localhost:${port}/a`, init, "download", check);
    expect(res.text()).toBe("dns");
    expect(checked).toEqual(["/a", "/b"]);
    expect(hits).toEqual(["approved /a", "dns /b"]);
    expect(conns).toEqual({ dns: 1, approved: 1 });
  });

  it("a redirect hop its check refuses is never sent", async () => {
    const { hits, port } = await twoServers();
    let n = 0;
    const check = async () => {
      if (n++ > 0)
        throw untrusted("Refused a DingTalk download URL whose host resolves to an internal address");
      return ["127.0.0.2"];
    };
    await expect(
      fetchGuarded(pool(), `http://localhost:${port}/a`, init, "download", check),
    ).rejects.toMatchObject({ code: "dingtalk_untrusted_url", message: /redirect from localhost/ });
    expect(hits).toEqual(["approved /a"]);
  });
});

describe("the Stream WebSocket connects to the endpoint's approved addresses", () => {
  it("goes to the approved address of a name that resolves elsewhere", async () => {
    const fake = await startFakeDingTalk({ redeliverAfterMs: null });
    cleanup.push(() => fake.close());
    const port = Number(new URL(fake.apiBase).port);
    // The "approved" address: a relay on 127.0.0.2 to the fake; `localhost` is the fake directly.
    let relayed = 0;
    const relay = createNetServer((s) => {
      relayed++;
      const up = connect(port, "127.0.0.1");
      s.pipe(up).pipe(s);
      s.on("error", () => up.destroy());
      up.on("error", () => s.destroy());
    });
    await new Promise<void>((r) => relay.listen(port, "127.0.0.2", r));
    closing(relay);
    const api = new DingTalkApi({
      ...fake.client,
    });
    const client = new StreamClient({
      open: async (signal) => {
        const got = await api.openStreamConnection(signal);
        expect(got.addresses).toBeUndefined(); // the configured base: not pinned
        return { ...got, endpoint: got.endpoint.replace("127.0.0.1", "localhost"), addresses: ["127.0.0.2"] };
      },
      onCallback: () => {},
      dedupe: new MemoryDedupe(),
      log: () => {},
    });
    cleanup.push(async () => {
      await client.stop();
      api.close();
    });
    await client.start();
    expect(client.status().connected).toBe(true);
    expect(relayed).toBe(1);
  });
});
