/** Length limits of free-text fields (LIMITS in src/kernel/config.ts): refused with the field named. */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS, loadGroupConfig } from "../../src/kernel/config.js";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
let gid: string;
const HUGE = "x".repeat(100_000);
type Err = { error: { code: string; message: string } };

beforeAll(async () => {
  t = await startTestDaemon();
  gid = (await t.api<{ group: { group_id: string } }>("POST", "/api/v1/groups", { title: "limits" })).body
    .group.group_id;
  await t.api("POST", `/api/v1/groups/${gid}/actors`, { id: "lead", runtime: "custom", command: "cat" });
});
afterAll(() => t.close());

async function refused(path: string, body: unknown): Promise<Err["error"]> {
  const r = await t.api<Err>("POST", path, body);
  expect(r.status).toBe(400);
  return r.body.error;
}

describe("length limits", () => {
  it("refuses a 100,000-character group title, naming the field and the limit", async () => {
    const error = await refused("/api/v1/groups", { title: HUGE });
    expect(error).toEqual({
      code: "too_long",
      message: `Invalid "title": is too long (100000 characters; the limit is ${LIMITS.groupTitle}).`,
    });
    const ok = await t.api("POST", "/api/v1/groups", { title: "t".repeat(LIMITS.groupTitle) });
    expect(ok.status).toBe(200);
    expect((await refused("/api/v1/groups", { title: "ok", scope: HUGE })).message).toMatch(
      /^Invalid "scope"/,
    );
  });

  it("refuses long actor titles, ids, commands and env, without echoing the whole input", async () => {
    const actors = `/api/v1/groups/${gid}/actors`;
    const title = await refused(actors, { id: "a1", runtime: "custom", command: "cat", title: HUGE });
    expect(title.message).toBe(
      `Invalid "title": is too long (100000 characters; the limit is ${LIMITS.actorTitle}).`,
    );
    const id = await refused(actors, { id: HUGE, runtime: "custom", command: "cat" });
    expect(id).toMatchObject({ code: "too_long", message: expect.stringContaining('Invalid "id"') });
    expect(id.message.length).toBeLessThan(200);
    const arg = await refused(actors, { id: "a2", runtime: "custom", command: ["cat", "y".repeat(20_000)] });
    expect(arg.message).toMatch(
      /^Invalid "command\.1": is too long \(20000 characters; the limit is 16384\)/,
    );
    const env = await refused(actors, { id: "a3", runtime: "custom", command: "cat", env: { K: HUGE } });
    expect(env.message).toMatch(/^Invalid "env\.K": is too long/);
    const { body } = await t.api<{ actors: { id: string }[] }>("GET", actors);
    expect(body.actors.map((a) => a.id)).toEqual(["lead"]);
  });

  it("refuses long identifiers in messages and IM requests, and leaves the ledger alone", async () => {
    const before = (await t.api<{ last_seq: number }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`)).body
      .last_seq;
    const to = await refused(`/api/v1/groups/${gid}/send`, { text: "hi", to: [HUGE] });
    expect(to).toMatchObject({
      code: "too_long",
      message: expect.stringMatching(/^Invalid "to\.0": is too long/),
    });
    const by = await refused(`/api/v1/groups/${gid}/send`, { text: "hi", by: HUGE });
    expect(by.message).toMatch(/^Invalid "by"/);
    const key = await refused(`/api/v1/groups/${gid}/im/bind`, { key: HUGE });
    expect(key.message).toMatch(/^Invalid "key": is too long/);
    const after = (await t.api<{ last_seq: number }>("GET", `/api/v1/groups/${gid}/ledger?tail=1`)).body
      .last_seq;
    expect(after).toBe(before);
  });

  it("a group.yaml with an over-long title fails to load with the file and key named", async () => {
    const file = t.home.groupConfigFile(gid).replace(/group\.yaml$/, "long.yaml");
    writeFileSync(file, `v: 1\ngroup_id: ${gid}\ntitle: ${"z".repeat(300)}\n`);
    await expect(loadGroupConfig(file)).rejects.toThrow(
      `${file}: key "title": is too long (300 characters; the limit is ${LIMITS.groupTitle}). Fix that key in the file, then retry.`,
    );
  });
});
