/**
 * The wire contract (src/contract/) covers the daemon: every route Fastify has is a contract entry
 * (and every entry is served), and the answers of a running daemon parse with the response schemas,
 * which are strict, so a field the daemon sends but the contract lacks fails here.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { API, pathOf, type ResponseOf, ROUTES, type RouteName } from "../../src/contract/index.js";
import { Home } from "../../src/kernel/home.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { tempHome } from "../support/home.js";

const BROKEN = "g_000000000bad";
const tmp = tempHome();
let t: TestDaemon;
let gid: string;

beforeAll(async () => {
  // A group whose group.yaml does not load: listed with `state: "broken"` and its `error`.
  const home = new Home(tmp.dir);
  mkdirSync(home.groupDir(BROKEN), { recursive: true });
  writeFileSync(home.groupConfigFile(BROKEN), "title: [unclosed\n");
  // Response checking off in the daemon: this test must see what the daemon really sends.
  t = await startTestDaemon({ CCCC_CHECK_RESPONSES: "0" }, tmp.dir);
  const created = await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
    title: "contract",
  });
  gid = created.body.group.group_id;
});
afterAll(async () => {
  await t.close();
  tmp.cleanup();
});

describe("wire contract", () => {
  it("has an entry for every route Fastify serves, and Fastify serves every entry", () => {
    // Fastify adds a HEAD route for each GET by itself.
    const served = t.daemon.routes.filter((r) => r.method !== "HEAD");
    const entries = Object.values(ROUTES).map((r) => `${r.method} ${r.path}`);
    const unlisted = served.map((r) => `${r.method} ${r.url}`).filter((r) => !entries.includes(r));
    expect(unlisted).toEqual([]);
    const servedKeys = served.map((r) => `${r.method} ${r.url}`);
    const unserved = (Object.keys(ROUTES) as RouteName[])
      .filter((name) => name !== "terminalSocket") // a WebSocket upgrade, not a Fastify route
      .filter((name) => !servedKeys.includes(`${ROUTES[name].method} ${ROUTES[name].path}`));
    expect(unserved).toEqual([]);
    expect(Object.keys(API).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it("keeps the route table the CLI loads free of imports (no zod at CLI startup, docs/bench.md)", () => {
    const source = readFileSync(new URL("../../src/contract/routes.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/^import /m);
    const client = readFileSync(new URL("../../src/client/daemon-client.ts", import.meta.url), "utf8");
    const contractImports = client.split("\n").filter((l) => /^import .*contract\//.test(l));
    expect(contractImports.filter((l) => !l.startsWith("import type") && !l.includes("/routes.js"))).toEqual(
      [],
    );
  });

  it("the answers of the main routes parse with their response schemas", async () => {
    const seen = new Set<RouteName>();
    /** Call route `name` and parse its answer (which must be 2xx) with the contract's schema. */
    const call = async <N extends RouteName>(
      name: N,
      params: Parameters<typeof pathOf<N>>[1],
      body?: unknown,
      query?: Record<string, string | number>,
    ) => {
      const res = await t.api(ROUTES[name].method, pathOf(name, params, query), body);
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      const schema = API[name].response as z.ZodType;
      const parsed = schema.safeParse(res.body);
      expect(parsed.success ? "ok" : JSON.stringify(parsed.error.issues), name).toBe("ok");
      seen.add(name);
      return res.body as ResponseOf<N>;
    };
    const g = { gid };
    const lead = { gid, aid: "lead" };

    await call("health", {});
    const { groups } = await call("listGroups", {});
    expect(groups).toContainEqual(expect.objectContaining({ group_id: BROKEN, state: "broken" }));
    await call("createGroup", {}, { title: "second", scope: tmp.dir });
    await call("addActor", g, { id: "lead", runtime: "custom", command: "cat", env: { A: "1" } });
    await call("addActor", g, {
      id: "rev",
      runtime: "custom",
      runner: "headless",
      command: ["cat"],
      permissions: "bypass",
    });
    await call("getGroup", g);
    await call("listActors", g);
    await call("startActor", lead);
    await call("startGroup", g);
    await call("interruptActor", lead);
    await call("actorTerminal", lead);
    await call("setActorEnv", { ...lead, key: "TOKEN" }, { value: "s3cret", secret: true });
    const env = await call("actorEnv", lead);
    expect(JSON.stringify(env)).not.toContain("s3cret");
    await call("unsetActorEnv", { ...lead, key: "TOKEN" });

    const upload = await fetch(
      new URL(pathOf("uploadBlob", g, { name: "notes.txt" }).slice(1), t.daemon.url),
      {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: "some notes",
      },
    );
    const { attachment } = API.uploadBlob.response.parse(await upload.json());
    seen.add("uploadBlob");
    const { event } = await call("send", g, {
      text: "hello",
      to: ["rev"],
      attachments: [{ path: attachment.path }],
      client_id: "c1",
    });
    await call("reply", g, { event_id: event.id, text: "answer", by: "rev" });
    await call("inbox", { gid, aid: "rev" });
    await call("markRead", { gid, aid: "rev" }, {});
    await call("ledger", g, undefined, { tail: 10 });
    const { actor } = await call("updateActor", { gid, aid: "rev" }, { title: "Reviewer" });
    expect(actor).toMatchObject({ title: "Reviewer", permissions: "bypass" });

    // The approval inbox: a request (from the running lead, so with its pid), a wait, two decisions.
    const ask = (tool_use_id: string) =>
      call("requestApproval", g, {
        actor_id: "lead",
        tool_name: "Bash",
        input: { command: "npm publish" },
        tool_use_id,
      });
    const { approval: asked } = await ask("toolu_1");
    expect(asked).toMatchObject({ status: "pending", summary: "Run: npm publish" });
    expect(asked.pid).toBeGreaterThan(0);
    await call("getApproval", { gid, id: asked.approval_id }, undefined, { wait: 0 });
    const { approval: denied } = await call(
      "decideApproval",
      { gid, id: asked.approval_id },
      { decision: "deny", reason: "not today", via: "cli" },
    );
    expect(denied.decision).toMatchObject({ decision: "deny", reason: "not today", via: "cli" });
    const { approval: second } = await ask("toolu_2");
    await call("decideApproval", { gid, id: second.approval_id }, { decision: "always" });
    const inbox = await call("listApprovals", g);
    expect(inbox.pending).toEqual([]);
    expect(inbox.history.map((a) => a.status)).toEqual(["approved", "denied"]);
    await call("ledger", g, undefined, { after: 0, limit: 2 });

    await call("imConfigure", g, {
      platform: "dingtalk",
      app_key: "k",
      app_secret: "s",
      mode: "http",
      http_token: "tok",
      http_aes_key: "a".repeat(43),
      cards: "off",
      working: "card",
      start: false,
    });
    const view = await call("im", g);
    const { platforms } = await call("imPlatforms", {});
    expect(platforms.map((p) => p.id)).toContain(view.config?.platform);
    expect(view.config).toMatchObject({ cards: "off", working: "card" });
    await call("imPending", g);
    await call("imAuthorized", g);
    await call("imRevoke", g, { chat_id: "nobody" });
    await call("imStop", g);
    const { lines } = await call("imLogs", g, undefined, { n: 5 });
    expect(lines.at(-1)).toContain("bridge stopped");
    await call("imRemove", g);

    await call("restartActor", lead);
    await call("stopActor", lead);
    await call("stopGroup", g);
    await call("removeActor", { gid, aid: "rev" });

    // Every JSON route of the contract was exercised, except the ones that need a live chat
    // platform (imStart needs DingTalk; imBind a pending key: both covered in test/im and test/cli).
    const json = (Object.keys(API) as RouteName[]).filter((n) => typeof API[n].response !== "string");
    expect(json.filter((n) => !seen.has(n))).toEqual(["imStart", "imBind"]);
  });
});
