import { resolve } from "node:path";
import { type FakeDingTalk, startFakeDingTalk } from "../fakes/dingtalk/index.js";
import type { FakeDingTalkOptions, FakeRobotMessageOptions } from "../fakes/dingtalk/server.js";
import { runCli, waitFor } from "./cli.js";
import { IM_SET_DINGTALK } from "./seed.js";

export { IM_SET_DINGTALK };

import { startTestDaemon, type TestDaemon } from "./daemon.js";

export const AGENTS = resolve(import.meta.dirname, "../fixtures/agents");
export const FAST_DELIVERY = JSON.stringify({
  readyGraceMs: 100,
  readyMaxMs: 3000,
  preambleDelayMs: 100,
  submitDelayMs: 100,
});

/** A real daemon wired to a fake DingTalk, with one group and a configured (not started) bridge. */
export interface BridgeWorld {
  fake: FakeDingTalk;
  t: TestDaemon;
  gid: string;
  cliEnv: NodeJS.ProcessEnv;
  cli(args: string[]): Promise<string>;
  /** Every text the fake received for chats (text, markdown, card bodies). */
  sentText(): string[];
  waitSent(pattern: RegExp, what: string): Promise<string>;
  /** /subscribe from a chat and approve its key with `cccc im bind`. */
  subscribe(chat: FakeRobotMessageOptions): Promise<void>;
  close(): Promise<void>;
}

export interface BridgeWorldOptions {
  /** The group's project directory (actors' cwd); default the fixture agents' directory. */
  scope?: string;
  /** Extra daemon (and so actor) environment, applied last: `CCCC_DELIVERY_TIMINGS: undefined` keeps the real timings. */
  env?: NodeJS.ProcessEnv;
}

export async function startBridgeWorld(
  actors: Record<string, unknown>[],
  fakeOptions: FakeDingTalkOptions = {},
  opts: BridgeWorldOptions = {},
): Promise<BridgeWorld> {
  const fake = await startFakeDingTalk(fakeOptions);
  const env = {
    CCCC_DELIVERY_TIMINGS: FAST_DELIVERY,
    CCCC_DINGTALK_API_BASE: fake.apiBase,
    CCCC_DINGTALK_OAPI_BASE: fake.oapiBase,
    ...opts.env,
  };
  const t = await startTestDaemon(env);
  const gid = (
    await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", {
      title: "钉钉 team",
      scope: opts.scope ?? AGENTS,
    })
  ).body.group.group_id;
  for (const actor of actors) await t.api("POST", `/api/v1/groups/${gid}/actors`, actor);
  const cliEnv = {
    ...env,
    CCCC_HOME: t.home.root,
    DINGTALK_APP_KEY: fake.app.appKey,
    DINGTALK_APP_SECRET: fake.app.appSecret,
    DINGTALK_ROBOT_CODE: fake.app.appKey,
  };
  const cli = async (args: string[]) => {
    const r = await runCli([...args, "--group", gid], cliEnv);
    if (r.code !== 0) throw new Error(`cccc ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const sentText = () => [
    ...fake.sent.map((m) => {
      const p = m.msgParam as { content?: string; text?: string; markdown?: { text?: string } };
      return `${p.content ?? ""}${p.text ?? ""}${p.markdown?.text ?? ""}`;
    }),
    // AI cards as they show now (the /status board).
    ...fake.cards.list().map((c) => c.params.msgContent ?? ""),
  ];
  const waitSent = (pattern: RegExp, what: string) =>
    waitFor(() => sentText().find((s) => pattern.test(s)), 20_000, what);
  const keysSeen = () => sentText().filter((s) => /--key [A-Za-z0-9]+/.test(s));
  const world: BridgeWorld = {
    fake,
    t,
    gid,
    cliEnv,
    cli,
    sentText,
    waitSent,
    async subscribe(chat) {
      const before = keysSeen().length;
      fake.push(fake.robotMessage({ ...chat, text: "/subscribe" }));
      const text = await waitFor(() => keysSeen()[before], 20_000, "the one-time key reply");
      const key = /--key ([A-Za-z0-9]+)/.exec(text)?.[1] ?? "";
      await cli(["im", "bind", "--key", key]);
    },
    // A test that restarted the daemon put the new one in `world.t`: close that one (and the first,
    // if the test left it running), or its agents outlive the test.
    async close() {
      if (world.t !== t) await world.t.close();
      await t.close();
      await fake.close();
    },
  };
  return world;
}

export async function configureAndStart(world: BridgeWorld): Promise<void> {
  await world.cli(IM_SET_DINGTALK);
  await world.cli(["im", "start"]);
  await waitFor(() => world.fake.liveConnections().length > 0, 10_000, "stream connection");
}

/** Set `im.files.max_mb` and restart the bridge so it takes effect. */
export async function limitFiles(world: BridgeWorld, maxMb: number): Promise<void> {
  await world.t.daemon.ctx.kernel.group(world.gid).updateConfig((c) => {
    if (c.im) c.im.files.max_mb = maxMb;
  });
  await world.cli(["im", "stop"]);
  await world.cli(["im", "start"]);
}

/**
 * A world ready for chat traffic: one headless agent script as the foreman, the bridge configured
 * and started (optionally with a file size limit), the group started and `chat` subscribed.
 */
export async function startChatWorld(
  agentScript: string,
  chat: FakeRobotMessageOptions,
  opts: { maxFileMb?: number } = {},
): Promise<BridgeWorld> {
  const world = await startBridgeWorld([
    { id: "lead", runtime: "custom", runner: "headless", command: ["node", `${AGENTS}/${agentScript}`] },
  ]);
  await configureAndStart(world);
  if (opts.maxFileMb !== undefined) await limitFiles(world, opts.maxFileMb);
  await world.t.api("POST", `/api/v1/groups/${world.gid}/start`);
  await world.subscribe(chat);
  return world;
}
