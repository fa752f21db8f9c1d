/**
 * `appendMany(items, { owned: true })` keeps the caller's data as the event's (no parse-back of the
 * line it just wrote), and the chat.message path that uses it (Group.send) still returns what a
 * reader of the file gets: no undefined keys, no aliasing of the caller's objects.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Home } from "../../src/kernel/home.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { Ledger } from "../../src/kernel/ledger.js";
import type { MessageSource } from "../../src/kernel/types.js";
import { tempHome } from "../support/home.js";

const home = tempHome("cccc-ledger-owned-");
afterAll(() => home.cleanup());

describe("ledger appends without parse-back", () => {
  it("owned: the event holds the caller's data object; by default a parsed copy", async () => {
    const ledger = await Ledger.open(`${home.dir}/owned.jsonl`, "g_owned");
    const data = { text: "hi", to: ["@foreman"] };
    const [owned] = await ledger.appendMany([{ kind: "chat.message", by: "user", data }], { owned: true });
    const [copied] = await ledger.appendMany([{ kind: "chat.message", by: "user", data }]);
    expect(owned?.data).toBe(data);
    expect(copied?.data).not.toBe(data);
    expect(copied?.data).toEqual(data);
    const fromFile = await ledger.tail(2);
    expect(fromFile).toEqual([owned, copied].map((e) => ({ ...e, data })));
    await ledger.close();
  });

  it("Group.send returns exactly what the file holds, copied from the caller's objects", async () => {
    const kernel = await Kernel.open(new Home(home.dir));
    const group = await kernel.createGroup({ title: "owned" });
    await group.addActor({ id: "lead", runtime: "custom", command: ["cat"] });
    const source = {
      platform: "dingtalk",
      chat_id: "c1",
      chat_type: "direct",
      user_id: "u1",
      user_name: undefined, // a platform that sent no name
      message_id: "m1",
    } as unknown as MessageSource;
    const event = await group.send({ by: "user", text: "hello", to: [], attachments: [], source });
    expect(event.data.source).not.toBe(source);
    expect("user_name" in (event.data.source ?? {})).toBe(false);
    source.chat_id = "changed later";
    const [fromFile] = await group.ledger.tail(1);
    expect(event).toEqual(fromFile);
    expect(JSON.stringify(event)).toBe(JSON.stringify(fromFile));
    await kernel.close();
  });
});
