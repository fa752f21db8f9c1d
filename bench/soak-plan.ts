/**
 * Soak test plan: command-line options and the deterministic schedule of user traffic and faults,
 * all drawn from one seeded PRNG so `--seed S` replays the same plan (timing of the system under
 * test still varies from run to run).
 */

export interface SoakOptions {
  /** Traffic and fault window. */
  minutes: number;
  seed: number;
  /** A daemon SIGKILL + restart this often (a run shorter than that gets one, in the middle). */
  killEveryMinutes: number;
  /** No kills at all (to tell kill losses from the rest). */
  noKill: boolean;
  /** No faults at all: a clean baseline. */
  noFaults: boolean;
  /** Mean gap between user messages (ms); bursts come on top. */
  meanGapMs: number;
  /** The fake re-pushes unacked callbacks after this (real DingTalk: about 60 s). */
  redeliverMs: number;
  /** How long to wait for the system to drain after the last message. */
  drainSeconds: number;
  /** Keep the temporary home (logs, ledger) even when nothing was lost. */
  keep: boolean;
  /** Progress lines on stderr. */
  verbose: boolean;
}

export const DEFAULTS: SoakOptions = {
  minutes: 10,
  seed: 1,
  killEveryMinutes: 3,
  noKill: false,
  noFaults: false,
  meanGapMs: 6_000,
  redeliverMs: 15_000,
  drainSeconds: 120,
  keep: false,
  verbose: true,
};

const USAGE = `usage: node dist/bench/soak.js [--minutes N] [--seed S] [--kill-every M] [--no-kill]
       [--no-faults] [--gap-ms MS] [--redeliver-ms MS] [--drain-seconds S] [--keep] [--quiet]`;

export function parseArgs(argv: readonly string[]): SoakOptions {
  const o: SoakOptions = { ...DEFAULTS, seed: Date.now() % 1_000_000 };
  const num = (i: number, name: string): number => {
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--minutes") o.minutes = num(i++, a);
    else if (a === "--seed") o.seed = Math.floor(num(i++, a));
    else if (a === "--kill-every") o.killEveryMinutes = num(i++, a);
    else if (a === "--gap-ms") o.meanGapMs = Math.max(200, num(i++, a));
    else if (a === "--redeliver-ms") o.redeliverMs = num(i++, a);
    else if (a === "--drain-seconds") o.drainSeconds = num(i++, a);
    else if (a === "--no-kill") o.noKill = true;
    else if (a === "--no-faults") o.noFaults = true;
    else if (a === "--keep") o.keep = true;
    else if (a === "--quiet") o.verbose = false;
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (o.minutes <= 0 || o.minutes > 24 * 60) throw new Error(`--minutes must be in (0, 1440]\n${USAGE}`);
  return o;
}

/** mulberry32: small, fast, good enough for a test schedule. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Target = "foreman" | "peer1" | "peer2" | "all";
export type MessageShape = "text" | "long" | "file";

export interface PlannedMessage {
  at: number;
  token: string;
  /** Index into the chat list. */
  chat: number;
  shape: MessageShape;
  target: Target;
  /** Direct chats only: plain text instead of /send. */
  plain: boolean;
}

export type FaultName =
  | "disconnect"
  | "dropSocket"
  | "zombie"
  | "refuseGateway"
  | "sendQps"
  | "sendServerError"
  | "expireTokens"
  | "expireSession"
  | "daemonKill";

export interface PlannedFault {
  at: number;
  fault: FaultName;
  /** Chat index (expireSession) or endpoint index (send faults). */
  arg: number;
  times: number;
}

export interface Plan {
  messages: PlannedMessage[];
  faults: PlannedFault[];
  trafficMs: number;
}

/** Chat kinds in plan order; direct chats may send files and plain text. */
export const CHAT_KINDS = ["direct", "direct", "group", "group"] as const;

const TRANSPORT_FAULTS: FaultName[] = [
  "disconnect",
  "dropSocket",
  "zombie",
  "refuseGateway",
  "sendQps",
  "sendQps",
  "sendServerError",
  "expireTokens",
  "expireSession",
  "expireSession",
];

export function makePlan(o: SoakOptions): Plan {
  const rnd = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const trafficMs = Math.round(o.minutes * 60_000);
  const messages: PlannedMessage[] = [];
  const add = (at: number) => {
    const chat = Math.floor(rnd() * CHAT_KINDS.length);
    const direct = CHAT_KINDS[chat] === "direct";
    const r = rnd();
    const shape: MessageShape = direct && r < 0.15 ? "file" : r < 0.27 ? "long" : "text";
    const t = rnd();
    const target: Target = t < 0.6 ? "foreman" : t < 0.75 ? "peer1" : t < 0.9 ? "peer2" : "all";
    const token = `sk${o.seed}-${String(messages.length).padStart(4, "0")}`;
    messages.push({ at, token, chat, shape, target, plain: direct && rnd() < 0.3 });
  };
  for (let at = 1_000; at < trafficMs; ) {
    if (rnd() < 0.1) {
      const n = 3 + Math.floor(rnd() * 3); // a burst: 3–5 messages within about a second
      for (let i = 0; i < n; i++) add(at + i * Math.floor(100 + rnd() * 200));
      at += 3_000 + o.meanGapMs;
    } else {
      add(at);
      at += Math.max(200, Math.round(-Math.log(1 - rnd()) * o.meanGapMs));
    }
  }
  const faults: PlannedFault[] = [];
  if (!o.noFaults) {
    // Faults in the first 85% of the window, so the tail shows recovery rather than a fault in flight.
    const end = trafficMs * 0.85;
    for (let at = 3_000 + rnd() * 8_000; at < end; at += 4_000 + rnd() * 8_000) {
      faults.push({
        at: Math.round(at),
        fault: pick(TRANSPORT_FAULTS),
        arg: Math.floor(rnd() * 1e6),
        times: 1 + Math.floor(rnd() * 3),
      });
    }
    if (!o.noKill && o.killEveryMinutes > 0) {
      const every = o.killEveryMinutes * 60_000;
      const kills = every >= trafficMs ? [trafficMs * 0.45] : [];
      for (let at = every; at < end; at += every) kills.push(at);
      for (const k of kills) {
        const at = Math.round(k + (rnd() - 0.5) * 4_000);
        faults.push({ at, fault: "daemonKill", arg: 0, times: 1 });
        // Kill under load: answers in flight (sent 1.2 s before) and messages being received (just before).
        for (const d of [1_200, 1_100, 30, 15, 5]) add(at - d);
      }
    }
  }
  faults.sort((a, b) => a.at - b.at);
  messages.sort((a, b) => a.at - b.at);
  return { messages, faults, trafficMs };
}
