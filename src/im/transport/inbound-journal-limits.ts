/** Limits of the inbound journal (inbound-journal.ts): compaction thresholds and the backlog bound. */

export interface JournalLimits {
  /** Consider compacting after this many lines were appended since the last compaction. */
  compactAfterLines: number;
  /** ... or after this many bytes. Compaction runs only when done lines are at least half the file. */
  compactAfterBytes: number;
  /**
   * Unfinished entries kept at most. Beyond it new messages are refused (not acked, so the
   * platform redelivers them later): backpressure that loses nothing, and bounded memory.
   */
  maxPending: number;
}

// A compaction is a synchronous temp write + fsync + rename on the event loop (~1–5 ms of fsync
// alone): every 500 lines was one per 250 messages of a burst. Now the bytes bound comes first for
// ordinary messages (~3,000 of ~1.3 KB), so its fixed cost is spread over thousands of messages.
export const DEFAULT_LIMITS: JournalLimits = {
  compactAfterLines: 20_000,
  compactAfterBytes: 4 * 1024 * 1024,
  maxPending: 20_000,
};

export class JournalFullError extends Error {
  readonly code = "inbound_backlog_full";
  constructor(max: number) {
    super(
      `more than ${max} received messages are still being handled; not acked, the platform redelivers it later. If this persists, check the daemon log for a stuck handler.`,
    );
  }
}
