/**
 * Outbound burst: 100 agent messages to the user, appended in one burst, delivered to 5 approved
 * DingTalk group chats (500 deliveries). The fake DingTalk runs in its own process and enforces the
 * platform's limits (20 messages/min per chat, 20 calls/s per app per API); the daemon runs in its
 * own. Two runs:
 * - real limits, small messages: queued messages merge, so the burst needs far fewer calls than the
 *   limit-bound minimum for one call per message (240 s);
 * - limits scaled 4× (20 per 15 s per chat, minimum 60 s), messages of 2,000 characters that cannot
 *   merge: pure pacing against the limit-bound minimum.
 * The minimum is computed exactly from the fake's windows, counting the messages the chats already
 * got (subscription key, confirmation) before the burst.
 */
import type { FakeLimits } from "../test/fakes/dingtalk/limits.js";
import { IM_SET_DINGTALK } from "../test/support/seed.js";
import {
  customActorArgs,
  DaemonProcess,
  exitCode,
  FakeProcess,
  load,
  ms,
  table,
  waitUntil,
} from "./bench-kit.js";
import type { SentRecord } from "./fake-dingtalk-process.js";

const CHATS = Array.from({ length: 5 }, (_, i) => `cid-bench-${i}`);
const MESSAGES = 100;
const REAL: FakeLimits = { apiCalls: 20, apiWindowMs: 1_000, chatMessages: 20, chatWindowMs: 60_000 };
const SCALED: FakeLimits = { ...REAL, chatWindowMs: 15_000 };

interface World {
  fake: FakeProcess;
  daemon: DaemonProcess;
  gid: string;
}

async function setUp(limits: FakeLimits, scaled: boolean): Promise<World> {
  const fake = await FakeProcess.start({ redeliverAfterMs: null, limits });
  const daemon = new DaemonProcess({
    ...fake.daemonEnv(),
    // The bridge is told the scaled limits the way an organisation with other limits would be.
    ...(scaled ? { CCCC_DINGTALK_RATE_LIMITS: JSON.stringify(limits) } : {}),
  });
  await daemon.start();
  const gid = await daemon.createGroup();
  const g = ["--group", gid];
  await daemon.cli([...customActorArgs("lead", "headless", "node -e 0"), ...g]);
  await daemon.cli([...IM_SET_DINGTALK, ...g]);
  await daemon.cli(["im", "start", ...g]);
  await waitUntil(
    async () => (await fake.request<number>({ op: "connections" })) > 0,
    20_000,
    "the Stream connection",
  );
  // The chats subscribe at the same time (each: /subscribe, its key, `cccc im bind`).
  await Promise.all(
    CHATS.map(async (cid, i) => {
      await fake.request({
        op: "push",
        message: {
          chat: "group",
          conversationId: cid,
          conversationTitle: `群${i}`,
          senderStaffId: `s${i}`,
          text: "/subscribe",
        },
      });
      const key = await waitUntil(
        async () => {
          const sent = await fake.request<SentRecord[]>({ op: "sent" });
          return sent
            .filter((s) => s.chat === cid)
            .map((s) => /--key ([A-Za-z0-9]+)/.exec(s.text)?.[1])
            .find(Boolean);
        },
        20_000,
        `the key for ${cid}`,
      );
      await daemon.cli(["im", "bind", "--key", key, ...g]);
    }),
  );
  return { fake, daemon, gid };
}

/**
 * The earliest time (ms after t0) the last message can be accepted in every chat, one call per
 * message, under the fake's sliding windows, given the calls accepted before t0 and the time each
 * message was in the ledger (`releases`, in ledger order: a message cannot go before it exists).
 */
function limitBoundMinimum(prior: SentRecord[], releases: number[], t0: number, l: FakeLimits): number {
  const chatTimes = new Map(CHATS.map((c) => [c, prior.filter((p) => p.chat === c).map((p) => p.at)]));
  const appTimes = prior.map((p) => p.at);
  const next = new Map(CHATS.map((c) => [c, 0]));
  const freeAt = (times: number[], limit: number, windowMs: number) => {
    const s = [...times].sort((a, b) => a - b);
    return s.length < limit ? 0 : (s[s.length - limit] ?? 0) + windowMs;
  };
  let last = t0;
  for (;;) {
    let best = Number.POSITIVE_INFINITY;
    let bestChat: string | undefined;
    for (const c of CHATS) {
      const k = next.get(c) ?? 0;
      if (k >= releases.length) continue;
      const t = Math.max(
        t0,
        releases[k] ?? t0,
        freeAt(chatTimes.get(c) ?? [], l.chatMessages, l.chatWindowMs),
        freeAt(appTimes, l.apiCalls, l.apiWindowMs),
      );
      if (t < best) {
        best = t;
        bestChat = c;
      }
    }
    if (!bestChat) return last - t0;
    chatTimes.get(bestChat)?.push(best);
    appTimes.push(best);
    next.set(bestChat, (next.get(bestChat) ?? 0) + 1);
    last = best;
  }
}

async function burst(w: World, limits: FakeLimits, text: (i: number) => string, title: string, note: string) {
  const prior = await w.fake.request<SentRecord[]>({ op: "sent" });
  const throttledBefore = await w.fake.request<{ api: number; chat: number }>({ op: "throttled" });
  const t0 = Date.now();
  const seqs = await Promise.all(
    Array.from({ length: MESSAGES }, (_, i) =>
      w.daemon
        .api<{ event: { seq: number; ts: string } }>("POST", `/api/v1/groups/${w.gid}/send`, {
          by: "lead",
          to: ["user"],
          text: text(i),
        })
        .then((r) => ({ i, seq: r.event.seq, at: Date.parse(r.event.ts) })),
    ),
  );
  const appendedMs = Date.now() - t0;
  const inOrder = seqs.sort((a, b) => a.seq - b.seq);
  const expected = inOrder.map((s) => s.i);
  const minimum = limitBoundMinimum(
    prior,
    inOrder.map((s) => s.at),
    t0,
    limits,
  );
  const fresh = limitBoundMinimum([], Array(MESSAGES).fill(t0), t0, limits);
  const got = new Map<string, number[]>(CHATS.map((c) => [c, []]));
  let calls = 0;
  let lastAt = t0;
  let from = prior.length;
  const deadline = t0 + Math.max(3 * minimum, 60_000);
  while (Date.now() < deadline && [...got.values()].some((g) => g.length < MESSAGES)) {
    const fresh = await w.fake.request<SentRecord[]>({ op: "sent", from });
    from += fresh.length;
    for (const s of fresh) {
      const markers = [...s.text.matchAll(/bench-msg-(\d+)\b/g)].map((m) => Number(m[1]));
      if (markers.length === 0) continue;
      got.get(s.chat)?.push(...markers);
      calls++;
      lastAt = Math.max(lastAt, s.at);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1_000)); // anything sent twice would show up now
  for (const s of await w.fake.request<SentRecord[]>({ op: "sent", from })) {
    for (const m of s.text.matchAll(/bench-msg-(\d+)\b/g)) got.get(s.chat)?.push(Number(m[1]));
  }
  const throttled = await w.fake.request<{ api: number; chat: number }>({ op: "throttled" });
  const throttleErrors = throttled.api + throttled.chat - throttledBefore.api - throttledBefore.chat;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const g of got.values()) {
    const unique = new Set(g);
    lost += expected.filter((i) => !unique.has(i)).length;
    duplicated += g.length - unique.size;
    const firsts = g.filter((i, k) => g.indexOf(i) === k);
    if (firsts.join(",") !== expected.filter((i) => unique.has(i)).join(",")) outOfOrder++;
  }
  const elapsed = lastAt - t0;
  table(`${title} — ${note}`, [
    { metric: "deliveries", measured: `${MESSAGES} messages × ${CHATS.length} chats`, goal: "—" },
    { metric: "appended in", measured: ms(appendedMs) },
    { metric: "DingTalk send calls", measured: String(calls) },
    { metric: "limit-bound minimum, fresh chats, all messages at once", measured: ms(fresh) },
    {
      metric: "limit-bound minimum for this run, one call per message",
      measured: `${ms(minimum)} (counting the ${prior.length} messages sent before and when each was appended)`,
    },
    {
      metric: "last delivery after the burst",
      measured: `${ms(elapsed)} (${(elapsed / minimum).toFixed(2)}× the minimum)`,
      goal: `≤ 1.1× (${ms(1.1 * minimum)})`,
      pass: elapsed <= 1.1 * minimum,
    },
    {
      metric: "throttle errors from DingTalk",
      measured: String(throttleErrors),
      goal: "0",
      pass: throttleErrors === 0,
    },
    { metric: "lost", measured: String(lost), goal: "0", pass: lost === 0 },
    { metric: "duplicated", measured: String(duplicated), goal: "0", pass: duplicated === 0 },
    {
      metric: "chats with messages out of order",
      measured: String(outOfOrder),
      goal: "0",
      pass: outOfOrder === 0,
    },
  ]);
}

async function tearDown(w: World): Promise<void> {
  await w.daemon.stop();
  await w.fake.close();
}

const started = Date.now();
process.stdout.write(`outbound bench: load average ${load()} at start\n`);
// Both worlds are set up at once; the scaled one then waits until its chats' windows are clear.
const [real, scaled] = await Promise.all([setUp(REAL, false), setUp(SCALED, true)]);
try {
  await burst(
    real,
    REAL,
    (i) => `bench-msg-${i} build step ${i} finished`,
    "Outbound burst at DingTalk's real limits (20/min per chat, 20/s per API)",
    "small messages, merged when queued",
  );
  await tearDown(real);
  const prior = await scaled.fake.request<SentRecord[]>({ op: "sent" });
  const clear = Math.max(...prior.map((p) => p.at)) + SCALED.chatWindowMs + 100;
  await new Promise((r) => setTimeout(r, Math.max(0, clear - Date.now())));
  const filler = "x".repeat(2_000);
  await burst(
    scaled,
    SCALED,
    (i) => `bench-msg-${i} ${filler}`,
    "Outbound burst at scaled limits (20 per 15 s per chat, 20/s per API)",
    "2,000-character messages that cannot merge: pacing only",
  );
} finally {
  await Promise.all([tearDown(real), tearDown(scaled)]);
}
process.stdout.write(
  `\noutbound bench: ${ms(Date.now() - started)} in all, load average ${load()} at the end\n`,
);
process.exitCode = exitCode();
