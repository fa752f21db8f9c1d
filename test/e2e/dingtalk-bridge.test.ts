import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeDingTalk } from "../fakes/dingtalk/index.js";
import { AGENTS, type BridgeWorld, IM_SET_DINGTALK, startBridgeWorld } from "../support/bridge.js";
import { runCli, waitFor } from "../support/cli.js";
import type { TestDaemon } from "../support/daemon.js";

/** One direct chat with 张三 throughout. */
const DIRECT = { chat: "direct" as const, conversationId: "cid-direct-zhangsan", senderNick: "张三" };

let w: BridgeWorld;
let fake: FakeDingTalk;
let t: TestDaemon;
let gid: string;
let cliEnv: NodeJS.ProcessEnv;
const cli = (args: string[]) => w.cli(args);
const sentText = () => w.sentText();
const waitSent = (pattern: RegExp, what: string) => w.waitSent(pattern, what);

beforeAll(async () => {
  const agent = ["node", `${AGENTS}/echo-agent.mjs`];
  w = await startBridgeWorld([
    { id: "lead", runtime: "custom", command: agent },
    { id: "reviewer", runtime: "custom", command: agent },
  ]);
  ({ fake, t, gid, cliEnv } = w);
  await t.api("POST", `/api/v1/groups/${gid}/start`);
});
afterAll(() => w?.close());

describe("the seed guide against a fake DingTalk", () => {
  it("cccc im set dingtalk writes the seed's im: block and keeps secrets out of it", async () => {
    await cli(IM_SET_DINGTALK);
    const yaml = readFileSync(resolve(t.home.groupDir(gid), "group.yaml"), "utf8");
    expect(yaml).toMatch(
      /im:\n\s+platform: dingtalk\n(.*\n)*\s+dingtalk_app_key_env: DINGTALK_APP_KEY\n\s+dingtalk_app_secret_env: DINGTALK_APP_SECRET\n\s+dingtalk_robot_code_env: DINGTALK_ROBOT_CODE/,
    );
    expect(yaml).not.toContain(fake.app.appSecret);
    expect(statSync(t.home.secretsFile(gid)).mode & 0o777).toBe(0o600);
    const view = await t.api<Record<string, unknown>>("GET", `/api/v1/groups/${gid}/im`);
    expect(JSON.stringify(view.body)).not.toContain(fake.app.appSecret);
  });

  it("cccc im start connects over Stream mode and cccc im status says so", async () => {
    await cli(["im", "start"]);
    await waitFor(() => fake.liveConnections().length > 0, 10_000, "stream connection");
    const status = await cli(["im", "status"]);
    expect(status).toContain("bridge: running");
    expect(status).toContain("connected: yes");
    expect(status).toContain("waiting: nothing");
  });

  it("cccc im set on a running bridge restarts it so the new settings apply", async () => {
    const opens = fake.stream.gatewayOpens;
    await cli(IM_SET_DINGTALK);
    await waitFor(() => fake.stream.gatewayOpens > opens, 10_000, "a fresh gateway open");
    await waitFor(async () => (await cli(["im", "status"])).includes("connected: yes"), 10_000, "connected");
  });

  it("/subscribe gives a key; cccc im bind approves the chat", async () => {
    fake.push(fake.robotMessage({ ...DIRECT, text: "/subscribe" }));
    const keyText = await waitSent(/im bind --key/, "the one-time key reply");
    const key = /--key ([A-Za-z0-9]+)/.exec(keyText)?.[1] ?? "";
    expect(key).not.toBe("");
    const pending = await cli(["im", "pending"]);
    expect(pending).toContain(key);
    await cli(["im", "bind", "--key", key]);
    await waitSent(/Approved|approved|✅/, "the approval notice");
    expect(await cli(["im", "authorized"])).toContain("subscribed");
  });

  it("/send reaches the foreman, whose reply comes back to DingTalk", async () => {
    fake.push(fake.robotMessage({ ...DIRECT, text: "/send Please check the code quality" }));
    await waitSent(/echo: Please check the code quality \(from user\)/, "the agent's answer");
  });

  it("/send @reviewer and plain text in a direct chat", async () => {
    fake.push(fake.robotMessage({ ...DIRECT, text: "/send @reviewer Please review the latest commits" }));
    const ledger = async () =>
      (
        await t.api<{ events: { by: string; data: { text: string; to: string[] } }[] }>(
          "GET",
          `/api/v1/groups/${gid}/ledger?tail=50`,
        )
      ).body.events;
    await waitFor(
      async () =>
        (await ledger()).find((e) => e.by === "user" && e.data.text === "Please review the latest commits"),
      10_000,
      "the /send @reviewer message",
    ).then((e) => expect(e.data.to).toEqual(["reviewer"]));
    fake.push(fake.robotMessage({ ...DIRECT, text: "how is it going?" }));
    await waitSent(/echo: how is it going\? \(from user\)/, "answer to plain text");
  });

  it("/send @peers reaches the non-foreman agents only", async () => {
    fake.push(fake.robotMessage({ ...DIRECT, text: "/send @peers peers please" }));
    await waitSent(/echo: peers please \(from user\)/, "the peer's answer");
    const events = (
      await t.api<{ events: { by: string; data: { text: string; to: string[]; reply_to?: string } }[] }>(
        "GET",
        `/api/v1/groups/${gid}/ledger?tail=30`,
      )
    ).body.events;
    const sent = events.find((e) => e.by === "user" && e.data.text === "peers please");
    expect(sent?.data.to).toEqual(["@peers"]);
    const answers = events.filter((e) => e.data.text?.startsWith("echo: peers please"));
    expect(answers.map((e) => e.by)).toEqual(["reviewer"]);
  });

  it("/status answers with the team board card; unknown /send target lists the actors", async () => {
    fake.push(fake.robotMessage({ ...DIRECT, text: "/status" }));
    const board = await waitFor(
      () => fake.cards.list().find((c) => (c.params.msgContent ?? "").includes("reviewer")),
      10_000,
      "status board card",
    );
    expect(board.params.msgTitle).toMatch(/^Team board · /);
    expect(board.params.msgContent).toContain("dtmd://dingtalkclient/sendMessage?content=%2Fstop");
    fake.push(fake.robotMessage({ ...DIRECT, text: "/send @ghost hi" }));
    await waitSent(/ghost/, "unknown target error");
    expect(sentText().find((s) => s.includes("ghost"))).toContain("reviewer");
  });

  it("a group chat must be approved too, and then @bot /send works there", async () => {
    const conversationId = "cid-group-devteam";
    const hints = () => fake.sent.filter((m) => JSON.stringify(m.target).includes(conversationId)).length;
    fake.push(fake.robotMessage({ chat: "group", text: "/send too early", conversationId }));
    await waitFor(() => hints() > 0, 10_000, "the hint to an unauthorized group");
    await w.subscribe({ chat: "group", conversationId, conversationTitle: "研发群" });
    const ledger = await t.api<{ events: { data: { text?: string } }[] }>(
      "GET",
      `/api/v1/groups/${gid}/ledger?tail=100`,
    );
    expect(ledger.body.events.some((e) => e.data.text === "too early")).toBe(false);
    fake.push(fake.robotMessage({ chat: "group", text: "/send @all Status update please", conversationId }));
    await waitSent(/echo: Status update please/, "group answer");
  });

  it("wrong credentials fail fast with the seed's 'Invalid appkey' and show in status", async () => {
    const other = (await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "bad" }))
      .body.group.group_id;
    const env = { ...cliEnv, DINGTALK_APP_KEY: "wrong-key", DINGTALK_APP_SECRET: "wrong-secret" };
    const set = await runCli([...IM_SET_DINGTALK, "--group", other], env);
    expect(set.code).toBe(0);
    const start = await runCli(["im", "start", "--group", other], env);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("Invalid appkey");
    const status = await runCli(["im", "status", "--group", other], env);
    expect(status.stdout).toContain("Invalid appkey");
    const logs = await runCli(["im", "logs", "--group", other], env);
    expect(logs.stdout).toContain("Invalid appkey");
    expect(logs.stdout).not.toContain("wrong-secret");
  });

  it("cccc im stop stops it", async () => {
    await cli(["im", "stop"]);
    const status = await cli(["im", "status"]);
    expect(status).toContain("bridge: stopped");
    await waitFor(() => fake.liveConnections().length === 0, 10_000, "stream closed");
  });

  it("cccc im revoke and cccc im unset remove the chat and the configuration", async () => {
    await cli(["im", "revoke", "--chat-id", DIRECT.conversationId]);
    expect(await cli(["im", "authorized"])).not.toContain(DIRECT.conversationId);
    await cli(["im", "unset"]);
    expect(readFileSync(resolve(t.home.groupDir(gid), "group.yaml"), "utf8")).not.toContain("dingtalk");
    expect(() => statSync(t.home.secretsFile(gid))).toThrow();
    expect(await cli(["im", "status"])).toContain("not configured");
  });
});
