import { afterEach, describe, expect, it, vi } from "vitest";
import { DeliveryQueue, type DeliveryTarget } from "../../src/runners/delivery.js";
import { advance, advanceUntil, fakeClockPerTest } from "../support/fake-clock.js";
import { chatEvent } from "./helpers.js";

// The queue's waits and the terminal's echo run on fake timers: time moves only when a test advances it.
vi.mock("node:timers/promises", async () => (await import("../support/fake-clock.js")).timersPromises());
fakeClockPerTest();
const waitFor = (check: () => unknown, limitMs: number, what: string) => advanceUntil(check, limitMs, what);

/** A terminal that reports output times and its screen, and echoes typed text after `echoMs` (or never). */
class ScreenTerminal implements DeliveryTarget {
  running = true;
  startedAt = Date.now();
  firstOutputAt: number | undefined = Date.now();
  lastOutputAt: number | undefined = Date.now() - 1_000;
  bracketedPaste = true;
  screen: string[] = ["❯ "];
  echoMs: number | null = 20;
  writes: { at: number; data: string }[] = [];
  private timers: NodeJS.Timeout[] = [];
  screenLines(): string[] {
    return this.screen;
  }
  write(data: string): void {
    this.writes.push({ at: Date.now(), data });
    if (this.echoMs !== null) {
      this.timers.push(
        setTimeout(() => {
          this.lastOutputAt = Date.now();
        }, this.echoMs),
      );
    }
  }
  close(): void {
    for (const t of this.timers) clearTimeout(t);
  }
}

const TIMINGS = {
  readyGraceMs: 0,
  readyMaxMs: 2_000,
  settleMs: 30,
  submitDelayMs: 3_000,
  pollMs: 5,
  ackMs: 60_000,
};
const TRUST_DIALOG = [
  " Quick safety check: Is this a project you created or one you trust?",
  " ❯ No, exit",
  "   Yes, I trust this folder",
];

let queue: DeliveryQueue | undefined;
let term: ScreenTerminal | undefined;
afterEach(() => {
  queue?.stop();
  term?.close();
});

function makeQueue(t: ScreenTerminal, delivered: string[][], timings = {}): DeliveryQueue {
  queue = new DeliveryQueue({
    render: (events) => events.map((e) => String(e.data.text)).join("\n"),
    preamble: (merged) => (merged ? "PREAMBLE (first message follows)" : "PREAMBLE"),
    mergePreamble: true,
    waitForBracketedPaste: true,
    timings: { ...TIMINGS, ...timings },
    onDelivered: (ids) => delivered.push(ids),
  });
  queue.attach(t);
  return queue;
}

const PASTE = (text: string) => `\x1b[200~${text}\x1b[201~`;

describe("delivery on observed readiness", () => {
  it("types the preamble and the first message as one paste, then later ones alone", async () => {
    term = new ScreenTerminal();
    const delivered: string[][] = [];
    const q = makeQueue(term, delivered);
    q.enqueue(chatEvent("a", "user", { text: "one" }));
    await waitFor(() => delivered.length === 1, 3_000, "first delivery");
    q.enqueue(chatEvent("b", "user", { text: "two" }));
    await waitFor(() => delivered.length === 2, 3_000, "second delivery");
    expect(term.writes.map((w) => w.data)).toEqual([
      PASTE("PREAMBLE (first message follows)\n\none"),
      "\r",
      PASTE("two"),
      "\r",
    ]);
  });

  it("presses Enter once the echo settled, not after a fixed delay", async () => {
    term = new ScreenTerminal();
    term.echoMs = 80;
    const delivered: string[][] = [];
    makeQueue(term, delivered).enqueue(chatEvent("a", "user", { text: "one" }));
    await waitFor(() => delivered.length === 1, 3_000, "delivery");
    const [paste, enter] = term.writes;
    const gap = (enter?.at ?? 0) - (paste?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(80 + 30); // echo + settle
    expect(gap).toBeLessThan(3_000); // well before the submitDelayMs bound
    expect(queue?.health()).toBeUndefined();
  });

  it("without an echo, submits after submitDelayMs and reports the delivery unacknowledged", async () => {
    term = new ScreenTerminal();
    term.echoMs = null;
    const delivered: string[][] = [];
    makeQueue(term, delivered, { submitDelayMs: 200 }).enqueue(chatEvent("a", "user", { text: "one" }));
    await waitFor(() => delivered.length === 1, 3_000, "delivery");
    const [paste, enter] = term.writes;
    expect((enter?.at ?? 0) - (paste?.at ?? 0)).toBeGreaterThanOrEqual(200);
    expect(queue?.health()?.code).toBe("unacknowledged");
  });

  it("never types into a known dialog; delivers once it is gone", async () => {
    term = new ScreenTerminal();
    term.screen = TRUST_DIALOG;
    const delivered: string[][] = [];
    const q = makeQueue(term, delivered, { readyMaxMs: 100 });
    q.enqueue(chatEvent("a", "user", { text: "one" }));
    await waitFor(() => q.health()?.code === "dialog", 2_000, "the dialog seen");
    await advance(10_000); // well past readyMaxMs: still held
    expect(term.writes).toEqual([]);
    const health = q.health();
    expect(health?.code === "dialog" && health.dialog.code).toBe("trust_folder");
    term.screen = ["❯ "];
    await waitFor(() => delivered.length === 1, 2_000, "delivery after the dialog");
    expect(q.health()).toBeUndefined();
  });

  it("types anyway after readyMaxMs when the app never looks ready, and says so until it echoes", async () => {
    term = new ScreenTerminal();
    term.bracketedPaste = false;
    term.echoMs = null;
    const delivered: string[][] = [];
    const q = makeQueue(term, delivered, { readyMaxMs: 150, submitDelayMs: 100 });
    q.enqueue(chatEvent("a", "user", { text: "one" }));
    await waitFor(() => delivered.length === 1, 3_000, "forced delivery");
    expect(q.health()?.code).toBe("not_ready");
    term.echoMs = 5;
    q.enqueue(chatEvent("b", "user", { text: "two" }));
    await waitFor(() => delivered.length === 2, 3_000, "second delivery");
    expect(q.health()).toBeUndefined();
  });
});
