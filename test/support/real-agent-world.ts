/**
 * A real agent CLI as a CCCC actor with its default command line, between the fake DingTalk and the
 * fake model: DingTalk → bridge → the agent in its PTY → MCP reply → DingTalk.
 */

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type FakeModel, type FakeModelOptions, startFakeModel } from "../fakes/model/index.js";
import { type AgentHome, agentSetup } from "./agent-clis.js";
import { type BridgeWorld, configureAndStart, startBridgeWorld } from "./bridge.js";

export const DIRECT = {
  chat: "direct" as const,
  conversationId: "cid-direct-real-agent",
  senderNick: "张三",
};

export interface RealAgentWorld {
  world: BridgeWorld;
  model: FakeModel;
  home: AgentHome;
  /** Waits for a DingTalk message matching `pattern`; on timeout the error shows the model log and the screen. */
  waitReply(pattern: RegExp, what: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the worlds, adds `lead` with `cccc actor add lead --runtime <runtime>` (no --command; the
 * runtime's default runner unless `runner` is given) and
 * starts the group with the real delivery timings. The pinned CLI gets a fresh HOME answering its
 * first-run questions (agentSetup), pointed at the fake model.
 */
export async function startRealAgentWorld(
  runtime: "claude" | "codex",
  opts: {
    /** Claude only: leave the project untrusted, so claude asks (the stuck-actor test). */
    untrusted?: boolean;
    subscribe?: boolean;
    runner?: "pty" | "structured";
    model?: FakeModelOptions;
    /** More `cccc actor add` options, e.g. `["--permissions", "ask"]`. */
    actorArgs?: string[];
  } = {},
): Promise<RealAgentWorld> {
  const setup = agentSetup(runtime, { untrusted: opts.untrusted });
  const model = await startFakeModel(opts.model);
  const { home, env } = setup(model.url);
  const world = await startBridgeWorld(
    [],
    {},
    {
      scope: home.project,
      env: { ...env, CCCC_DELIVERY_TIMINGS: undefined },
    },
  );
  await world.cli([
    "actor",
    "add",
    "lead",
    "--runtime",
    runtime,
    ...(opts.runner ? ["--runner", opts.runner] : []),
    ...(opts.actorArgs ?? []),
  ]);
  await configureAndStart(world);
  await world.cli(["group", "start"]);
  if (opts.subscribe !== false) await world.subscribe(DIRECT);
  const diagnose = () => {
    const ctx = world.t.daemon.ctx;
    const screen = ctx.actors.screen(ctx.kernel.group(world.gid), "lead").join("\n");
    const answers = model.requests.map((q) => `${q.method} ${q.path} → ${q.answer}`).join("\n");
    // A structured actor has no screen: its log holds the CLI's stderr and CCCC's notes.
    let log = "";
    try {
      log = readFileSync(join(world.t.home.stateDir(world.gid), "actors", "lead.log"), "utf8").slice(-4000);
    } catch {
      log = "(no log)";
    }
    return `model requests:\n${answers}\nthe actor's screen:\n${screen}\nthe actor's log (tail):\n${log}`;
  };
  return {
    world,
    model,
    home,
    async waitReply(pattern, what) {
      try {
        return await world.waitSent(pattern, what);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${diagnose()}`);
      }
    },
    async close() {
      await world.close();
      await model.close();
      rmSync(home.home, { recursive: true, force: true });
    },
  };
}
