import type { DaemonContext } from "./context.js";

/** IM bridges of every group (wired to src/im in the bridge issue). */
export class ImManager {
  constructor(
    readonly ctx: DaemonContext,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  async startEnabled(): Promise<void> {}

  async close(): Promise<void> {}
}
