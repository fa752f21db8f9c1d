import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { appKeyLockPath } from "../../src/im/app-key-lock.js";
import { Bridge } from "../../src/im/bridge.js";
import { BridgeSupervisor } from "../../src/im/supervisor.js";
import { FakeHost } from "./support/fake-host.js";
import { CodedError, RecordingAdapter } from "./support/recording-adapter.js";

const hosts: FakeHost[] = [];
const supervisors: BridgeSupervisor[] = [];
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.stopAll();
  for (const h of hosts.splice(0)) h.cleanup();
});

function setup() {
  const host = new FakeHost();
  hosts.push(host);
  const adapters: RecordingAdapter[] = [];
  const lines: string[] = [];
  const supervisor = new BridgeSupervisor({
    home: host.home,
    backoff: { baseMs: 10, maxMs: 40 },
    random: () => 1, // the top of the jitter range: exactly the capped exponential delay
  });
  supervisors.push(supervisor);
  const spec = (groupId: string, appKey = "app-key-1") => ({
    groupId,
    appKey,
    create: () => {
      const adapter = new RecordingAdapter();
      adapters.push(adapter);
      return new Bridge(host, adapter, { platform: "dingtalk", filesEnabled: true, maxFileMb: 10 });
    },
    log: (line: string) => lines.push(line),
  });
  return { host, adapters, lines, supervisor, spec };
}

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("BridgeSupervisor", () => {
  it("restarts a crashing bridge with backoff and logs it", async () => {
    const { supervisor, spec, adapters, lines } = setup();
    const status = await supervisor.start(spec("g_a"));
    expect(status).toMatchObject({ running: true, state: "running", restarts: 0 });
    adapters[0]?.fireFatal(new CodedError("dingtalk_stream_dead", "socket gave up"));
    await until(() => supervisor.get("g_a")?.running === true && adapters.length === 2);
    expect(supervisor.status("g_a")).toMatchObject({ running: true, restarts: 1 });
    expect(lines[0]).toMatch(/bridge crashed \(dingtalk_stream_dead: socket gave up\); restart #1 in 10 ms/);
    expect(adapters[0]?.stopped).toBe(1);
    // crashing again soon after a restart backs off longer
    adapters[1]?.fireFatal(new Error("again"));
    await until(() => adapters.length === 3 && supervisor.get("g_a")?.running === true);
    expect(lines.some((l) => l.includes("restart #2 in 20 ms"))).toBe(true);
  });

  it("a restart that fails is retried until it works", async () => {
    const { supervisor, spec, adapters, lines } = setup();
    const s = spec("g_a");
    let failNext = 0;
    const flaky = {
      ...s,
      create: () => {
        const bridge = s.create();
        if (failNext-- > 0)
          (adapters.at(-1) as RecordingAdapter).startError = new CodedError("network_error");
        return bridge;
      },
    };
    await supervisor.start(flaky);
    failNext = 2;
    adapters[0]?.fireFatal(new Error("boom"));
    await until(() => supervisor.get("g_a")?.running === true && adapters.length === 4);
    expect(lines.filter((l) => l.includes("restart failed"))).toHaveLength(2);
    expect(supervisor.status("g_a")?.restarts).toBe(3);
  });

  it("a bridge that fails to start is not retried and releases the lock", async () => {
    const { supervisor, spec, host } = setup();
    const s = spec("g_a");
    const bad = {
      ...s,
      create: () => {
        const adapter = new RecordingAdapter();
        adapter.startError = new CodedError("dingtalk_invalid_app_key", "Invalid appkey");
        return new Bridge(host, adapter, { platform: "dingtalk", filesEnabled: true, maxFileMb: 10 });
      },
    };
    await expect(supervisor.start(bad)).rejects.toMatchObject({ code: "dingtalk_invalid_app_key" });
    expect(supervisor.status("g_a")).toBeUndefined();
    expect(existsSync(appKeyLockPath(host.home, "app-key-1"))).toBe(false);
  });

  it("the app-key lock refuses a second group and is released on stop", async () => {
    const { supervisor, spec, host } = setup();
    await supervisor.start(spec("g_a"));
    const lock = JSON.parse(readFileSync(appKeyLockPath(host.home, "app-key-1"), "utf8"));
    expect(lock).toMatchObject({ pid: process.pid, group_id: "g_a" });
    await expect(supervisor.start(spec("g_b"))).rejects.toMatchObject({
      code: "im_app_key_in_use",
      message: expect.stringContaining("group g_a"),
    });
    // a second daemon process (another supervisor) is refused too
    const other = new BridgeSupervisor({ home: host.home });
    supervisors.push(other);
    await expect(other.start(spec("g_c"))).rejects.toMatchObject({ code: "im_app_key_in_use" });
    // a different key is fine
    await supervisor.start(spec("g_b", "app-key-2"));
    await supervisor.stop("g_a");
    expect(existsSync(appKeyLockPath(host.home, "app-key-1"))).toBe(false);
    await supervisor.start(spec("g_c"));
    expect(supervisor.status("g_c")?.running).toBe(true);
  });

  it("a stale lock (dead pid) is taken over", async () => {
    const { supervisor, spec, host } = setup();
    const path = appKeyLockPath(host.home, "app-key-1");
    await supervisor.start(spec("g_a"));
    await supervisor.stop("g_a");
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, group_id: "g_old" }));
    await supervisor.start(spec("g_a"));
    expect(JSON.parse(readFileSync(path, "utf8")).group_id).toBe("g_a");
  });

  it("start and stop many times leave no listeners or timers behind", async () => {
    const { supervisor, spec, host } = setup();
    for (let i = 0; i < 20; i++) {
      await supervisor.start(spec("g_a"));
      await supervisor.stop("g_a");
    }
    expect(host.listenerCount).toBe(0);
    expect(host.kinds("im.").filter((k) => k === "im.started")).toHaveLength(20);
    expect(host.kinds("im.").filter((k) => k === "im.stopped")).toHaveLength(20);
  });
});
