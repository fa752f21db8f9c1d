import { describe, expect, it } from "vitest";
import { buildActorEnv } from "../../src/runners/actor-env.js";
import { Scrollback } from "../../src/runners/scrollback.js";

describe("Scrollback", () => {
  it("keeps the newest bytes and a monotonic cursor across wrap-around", () => {
    const sb = new Scrollback(10);
    sb.append("hello ");
    expect(sb.read()).toMatchObject({ from: 0, cursor: 6, truncated: false });
    sb.append("world!!");
    expect(sb.cursor).toBe(13);
    expect(sb.start).toBe(3);
    const all = sb.read(0);
    expect(all.data.toString()).toBe("lo world!!");
    expect(all).toMatchObject({ from: 3, cursor: 13, truncated: true });
    expect(sb.read(9).data.toString()).toBe("ld!!");
    expect(sb.read(13).data.length).toBe(0);
    sb.append("0123456789abc");
    expect(sb.read().data.toString()).toBe("3456789abc");
    expect(sb.cursor).toBe(26);
  });

  it("counts bytes, not characters", () => {
    const sb = new Scrollback(64);
    sb.append("钉钉");
    expect(sb.cursor).toBe(6);
    expect(sb.read(3).data.toString()).toBe("钉");
  });
});

describe("buildActorEnv", () => {
  it("layers actor env over the base and injects identity and the cccc bin dir", () => {
    const env = buildActorEnv({
      base: { PATH: "/usr/bin", HOME: "/home/u", CCCC_ACTOR_ID: "stale" },
      actorEnv: { FOO: "bar" },
      home: "/home/u/.cccc",
      groupId: "g_1",
      actorId: "lead",
      ccccBinDir: "/opt/cccc/bin",
    });
    expect(env).toEqual({
      PATH: "/opt/cccc/bin:/usr/bin",
      HOME: "/home/u",
      FOO: "bar",
      CCCC_HOME: "/home/u/.cccc",
      CCCC_GROUP_ID: "g_1",
      CCCC_ACTOR_ID: "lead",
      TERM: "xterm-256color",
    });
  });
});
