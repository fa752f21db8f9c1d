/**
 * Group.sendMany: the IM bridge's messages of one tick go to the ledger in one append, with the
 * same outcomes as one `send` each — idempotent on the message id, one bad message failing alone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Group, SendInput } from "../../src/kernel/group.js";
import { Home } from "../../src/kernel/home.js";
import { Kernel } from "../../src/kernel/kernel.js";
import type { ChatMessageEvent, LedgerEvent } from "../../src/kernel/types.js";
import { tempHome } from "../support/home.js";

const home = tempHome("cccc-send-many-");
let kernel: Kernel;
let group: Group;

beforeAll(async () => {
  kernel = await Kernel.open(new Home(home.dir));
  group = await kernel.createGroup({ title: "batch" });
  await group.addActor({ id: "lead", runtime: "custom", command: ["cat"] });
});
afterAll(async () => {
  await kernel.close();
  home.cleanup();
});

const fromChat = (chat: string, id: string, text = `hello ${id}`): SendInput => ({
  by: "user",
  text,
  to: [],
  attachments: [],
  source: {
    platform: "dingtalk",
    chat_id: chat,
    chat_type: "direct",
    user_id: "u",
    user_name: "U",
    message_id: id,
  },
});
const isEvent = (r: ChatMessageEvent | Error): r is ChatMessageEvent => !(r instanceof Error);
const lines = async (after: number): Promise<LedgerEvent[]> => group.ledger.read(after, 1000);

describe("Group.sendMany", () => {
  it("appends new messages in one ledger append, in order, as what the file holds", async () => {
    const spy = vi.spyOn(group.ledger, "appendMany");
    const before = group.ledger.lastSeq();
    const inputs = Array.from({ length: 5 }, (_, i) => fromChat(`c${i}`, `m-order-${i}`));
    const out = await group.sendMany(inputs);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const events = out.filter(isEvent);
    expect(events.map((e) => e.data.source?.message_id)).toEqual(inputs.map((i) => i.source?.message_id));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5].map((n) => before + n));
    expect(JSON.stringify(await lines(before))).toBe(JSON.stringify(events));
  });

  it("is idempotent: a message already in, and the same message twice in a batch, are one event", async () => {
    const [first] = await group.sendMany([fromChat("c-dup", "m-dup-1")]);
    const before = group.ledger.lastSeq();
    const out = await group.sendMany([
      fromChat("c-dup", "m-dup-1"),
      fromChat("c-dup2", "m-dup-2"),
      fromChat("c-dup2", "m-dup-2"),
    ]);
    expect(out[0]).toEqual(first);
    expect(out[1]).toEqual(out[2]);
    const appended = await lines(before);
    expect(appended.map((e) => (e.data as ChatMessageEvent["data"]).source?.message_id)).toEqual(["m-dup-2"]);
  });

  it("a send of a message whose batch is being written gets that batch's event", async () => {
    const batch = group.sendMany([fromChat("c-race", "m-race-0"), fromChat("c-race2", "m-race-1")]);
    const alone = group.send(fromChat("c-race2", "m-race-1"));
    const [out, event] = await Promise.all([batch, alone]);
    expect(event).toEqual(out[1]);
    expect((await group.ledger.tail(2)).map((e) => e.id)).toEqual(out.filter(isEvent).map((e) => e.id));
  });

  it("one invalid message fails alone; a long text goes to a blob; the others are appended", async () => {
    const before = group.ledger.lastSeq();
    const long = "x".repeat(40_000);
    const out = await group.sendMany([
      fromChat("c-a", "m-mixed-0"),
      fromChat("c-b", "m-mixed-1", "   "),
      fromChat("c-c", "m-mixed-2", long),
      fromChat("c-d", "m-mixed-3"),
    ]);
    expect(out[1]).toBeInstanceOf(Error);
    expect((out[1] as Error & { code?: string }).code).toBe("empty_message");
    const [a, , c, d] = out as ChatMessageEvent[];
    expect(c?.data.attachments.map((x) => x.name)).toEqual(["message.txt"]);
    expect(c?.data.text.length).toBeLessThan(long.length);
    const appended = (await lines(before)).map((e) => e.id);
    expect(appended.sort()).toEqual([a?.id, c?.id, d?.id].sort());
  });

  it("a batch the ledger refuses as invalid is retried one by one: only the bad message fails", async () => {
    const before = group.ledger.lastSeq();
    // A text is capped (a long one goes to a blob), a sender's name is not: too big for one line.
    const huge = fromChat("c-w", "m-valid-1");
    if (huge.source) huge.source.user_name = "n".repeat(300_000);
    const out = await group.sendMany([fromChat("c-v", "m-valid-0"), huge]);
    expect(isEvent(out[0] as ChatMessageEvent | Error)).toBe(true);
    expect((out[1] as Error & { code?: string }).code).toBe("message_too_large");
    expect((await lines(before)).map((e) => e.id)).toEqual([(out[0] as ChatMessageEvent).id]);
  });
});
