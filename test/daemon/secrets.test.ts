import { readFileSync, statSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { SecretsStore } from "../../src/daemon/secrets.js";
import { Home } from "../../src/kernel/home.js";
import { tempHome } from "../support/home.js";

const tmp = tempHome("cccc-secrets-");
const home = new Home(tmp.dir);
afterAll(() => tmp.cleanup());

describe("SecretsStore", () => {
  it("keeps IM credentials and actors' secrets apart, and loses no concurrent write", async () => {
    // Two stores, as the daemon has (IM manager, actor env): writes to one file are serialized.
    const im = new SecretsStore(home);
    const actors = new SecretsStore(home);
    await Promise.all([
      im.update("g_1", { dingtalk_app_secret: "app-secret-value" }),
      ...Array.from({ length: 20 }, (_, i) =>
        actors.setActorSecret("g_1", `a${i % 4}`, `K${i}`, `v${i}-secret`),
      ),
      im.update("g_1", { dingtalk_app_key: "app-key-value" }),
    ]);
    expect(await im.read("g_1")).toEqual({
      dingtalk_app_secret: "app-secret-value",
      dingtalk_app_key: "app-key-value",
    });
    const all = await Promise.all([0, 1, 2, 3].map((a) => actors.actorSecrets("g_1", `a${a}`)));
    expect(all.reduce((n, vars) => n + Object.keys(vars).length, 0)).toBe(20);
    expect(statSync(home.secretsFile("g_1")).mode & 0o777).toBe(0o600);
    expect((await im.values("g_1")).sort()).toContain("v7-secret");

    // Forgetting the IM credentials keeps the actors' secrets; removing an actor drops its own.
    await im.remove("g_1");
    expect(await im.read("g_1")).toEqual({});
    expect(await actors.actorSecrets("g_1", "a3")).toEqual({
      K3: "v3-secret",
      K7: "v7-secret",
      K11: "v11-secret",
      K15: "v15-secret",
      K19: "v19-secret",
    });
    await actors.removeActor("g_1", "a3");
    await actors.setActorSecret("g_1", "a0", "K0", undefined);
    expect(await actors.actorSecrets("g_1", "a3")).toEqual({});
    expect(JSON.parse(readFileSync(home.secretsFile("g_1"), "utf8")).actors.a0).not.toHaveProperty("K0");
  });
});
