/** The environment an actor process is started with (docs/runners.md). */

import { delimiter } from "node:path";
import type { Env } from "./process-group.js";

/** CCCC_* variables an actor keeps from the daemon: where the daemon is and how its CLI behaves. */
const KEPT_CCCC = new Set([
  "CCCC_HOME",
  "CCCC_GROUP_ID",
  "CCCC_ACTOR_ID",
  "CCCC_HOST",
  "CCCC_PORT",
  "CCCC_NO_AUTOSTART",
]);

/** Values shorter than this are not matched by value (a stored "1" must not strip SHLVL=1). */
export const MIN_WITHHELD_VALUE_LENGTH = 8;

/** What the daemon knows to be credentials; none of it reaches an actor from the daemon's env. */
export interface Withheld {
  /** Variable names (the IM `*_env` names of every group, the default DingTalk names). */
  names: Iterable<string>;
  /** Secret values (the secrets store of every group): any variable holding one is dropped. */
  values: Iterable<string>;
}

export interface ActorEnvInput {
  /** Usually the daemon's `process.env`. */
  base: Env;
  /** Credentials to drop from `base`. */
  withheld?: Withheld;
  /** `actor.env` from group.yaml, applied over the filtered `base`. */
  actorEnv?: Env;
  /** The actor's secret variables (secrets store), applied last. */
  actorSecrets?: Env;
  home: string;
  groupId: string;
  actorId: string;
  /** Directory holding the `cccc` executable; put first on PATH so agents can run `cccc reply`. */
  ccccBinDir: string;
  /** Optional readline config (the spec's `<home>/daemon/inputrc` turning readline's bracketed paste off). */
  inputrc?: string;
}

/** The daemon's environment minus credentials and CCCC internals the actor does not need. */
export function scrubDaemonEnv(base: Env, withheld: Withheld = { names: [], values: [] }): Env {
  const names = new Set(withheld.names);
  const values = new Set([...withheld.values].filter((v) => v.length >= MIN_WITHHELD_VALUE_LENGTH));
  const env: Env = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || names.has(key) || values.has(value) || values.has(value.trim())) continue;
    if (key.startsWith("CCCC_") && !KEPT_CCCC.has(key)) continue;
    env[key] = value;
  }
  return env;
}

export function buildActorEnv(input: ActorEnvInput): Env {
  const env: Env = {
    ...scrubDaemonEnv(input.base, input.withheld),
    ...input.actorEnv,
    ...input.actorSecrets,
  };
  const path = env.PATH ? `${input.ccccBinDir}${delimiter}${env.PATH}` : input.ccccBinDir;
  Object.assign(env, {
    PATH: path,
    CCCC_HOME: input.home,
    CCCC_GROUP_ID: input.groupId,
    CCCC_ACTOR_ID: input.actorId,
    TERM: "xterm-256color",
  });
  if (input.inputrc) env.INPUTRC = input.inputrc;
  return env;
}
