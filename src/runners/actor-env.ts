/** The environment an actor process is started with (DESIGN §4, kernel spec §5.2). */

import { delimiter } from "node:path";
import type { Env } from "./process-group.js";

export interface ActorEnvInput {
  /** Usually the daemon's `process.env`. */
  base: Env;
  /** `actor.env` from group.yaml plus private (secret) env, applied over `base`. */
  actorEnv?: Env;
  home: string;
  groupId: string;
  actorId: string;
  /** Directory holding the `cccc` executable; put first on PATH so agents can run `cccc reply`. */
  ccccBinDir: string;
  /** Optional readline config (the spec's `<home>/daemon/inputrc` turning readline's bracketed paste off). */
  inputrc?: string;
}

export function buildActorEnv(input: ActorEnvInput): Env {
  const env: Env = { ...input.base, ...input.actorEnv };
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
