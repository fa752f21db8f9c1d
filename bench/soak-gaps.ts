/**
 * Offline gaps of the bridge's Stream connection, seen from the fake DingTalk: any time without a
 * connection the fake can push to (live, not draining, not a zombie) is offline. Sampled every
 * 100 ms during the soak; each gap is charged to the fault or daemon kill that started it.
 */
import type { FakeDingTalk } from "../test/fakes/dingtalk/index.js";

export interface Gap {
  /** ms since the start of traffic. */
  start: number;
  end: number;
  /** The fault (or `daemonKill`) in effect when the gap began, with its time. */
  cause: string;
  /** Faults that struck while the bridge was already offline (a second fault lengthens the gap). */
  during: string[];
  acrossRestart: boolean;
}

const SAMPLE_MS = 100;

export class OfflineTracker {
  private readonly raw: { start: number; end: number }[] = [];
  private openSince?: number;
  private timer?: NodeJS.Timeout;
  private t0 = 0;

  constructor(private readonly fake: FakeDingTalk) {}

  start(t0: number): void {
    this.t0 = t0;
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    if (this.openSince !== undefined) this.raw.push({ start: this.openSince, end: Date.now() - this.t0 });
    this.openSince = undefined;
  }

  /** Gaps with their causes; `faults` and `kills` are in ms since the start of traffic. */
  gaps(faults: { at: number; fault: string; applied: boolean }[], kills: number[]): Gap[] {
    const events = [
      ...faults.filter((f) => f.applied).map((f) => ({ at: f.at, what: f.fault })),
      ...kills.map((at) => ({ at, what: "daemonKill" })),
    ].sort((a, b) => a.at - b.at);
    return this.raw.map((g) => {
      // The cause: the last fault or kill up to one sample after the gap was first seen.
      const before = events.filter((e) => e.at <= g.start + SAMPLE_MS).at(-1);
      const label = (e: { at: number; what: string }) => `${e.what} @${(e.at / 1000).toFixed(1)}s`;
      return {
        ...g,
        cause: before ? label(before) : "none",
        during: events.filter((e) => e.at > g.start + SAMPLE_MS && e.at <= g.end).map(label),
        acrossRestart: kills.some((k) => k >= g.start - 2_000 && k <= g.end),
      };
    });
  }

  private sample(): void {
    const now = Date.now() - this.t0;
    const online = this.fake.stream.routable() !== undefined;
    if (!online && this.openSince === undefined) this.openSince = now;
    if (online && this.openSince !== undefined) {
      this.raw.push({ start: this.openSince, end: now });
      this.openSince = undefined;
    }
  }
}

/**
 * Report rows: the longest gap after a single fault outside restarts (goal ≤ 15 s), gaps that a
 * second fault lengthened (informational: two faults back to back), the longest across a restart.
 */
export function gapRows(gaps: Gap[]): [string, string][] {
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const longest = (gs: Gap[]) =>
    gs.reduce<Gap | undefined>((a, g) => (!a || g.end - g.start > a.end - a.start ? g : a), undefined);
  const describe = (g: Gap | undefined) => (g ? `${secs(g.end - g.start)} (after ${g.cause})` : "none");
  const outsideRestarts = gaps.filter((g) => !g.acrossRestart);
  const plain = outsideRestarts.filter((g) => g.during.length === 0);
  const stacked = outsideRestarts.filter((g) => g.during.length > 0);
  const longestStacked = longest(stacked);
  const byCause = new Map<string, number>();
  for (const g of plain) {
    const kind = g.cause.split(" ")[0] ?? "none";
    byCause.set(kind, Math.max(byCause.get(kind) ?? 0, g.end - g.start));
  }
  return [
    ["longest Stream offline gap after one fault, excl. restarts (goal ≤ 15 s)", describe(longest(plain))],
    [
      "  longest gap per fault kind",
      [...byCause.entries()].map(([k, ms]) => `${k} ${secs(ms)}`).join(" · ") || "none",
    ],
    [
      "  offline gaps > 15 s, excl. restarts",
      `${plain.filter((g) => g.end - g.start > 15_000).length} of ${plain.length}`,
    ],
    [
      "longest gap with a second fault while offline",
      longestStacked
        ? `${describe(longestStacked)}, then ${longestStacked.during.join(", ")} (${stacked.length} such gaps)`
        : "none",
    ],
    [
      "longest Stream offline gap across a daemon restart",
      describe(longest(gaps.filter((g) => g.acrossRestart))),
    ],
  ];
}
