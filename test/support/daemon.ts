import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { Home } from "../../src/kernel/home.js";
import { tempHome } from "./home.js";

export interface TestDaemon {
  daemon: RunningDaemon;
  home: Home;
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** The real daemon in-process on a free loopback port with a temporary home. */
export async function startTestDaemon(env: NodeJS.ProcessEnv = {}, dir?: string): Promise<TestDaemon> {
  const tmp = dir ? undefined : tempHome();
  const home = new Home(dir ?? tmp?.dir ?? "");
  const daemon = await startDaemon({ home, host: "127.0.0.1", port: 0, env: { ...process.env, ...env } });
  return {
    daemon,
    home,
    async api(method, path, body, headers = {}) {
      const res = await fetch(new URL(path.replace(/^\//, ""), daemon.url), {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as never };
    },
    async close() {
      await daemon.close();
      tmp?.cleanup();
    },
  };
}
