/**
 * A clock's time as ISO text, the string reused while the millisecond is the same: a burst stamps
 * thousands of records in a few milliseconds, and each `toISOString` is a new string.
 */
export class IsoClock {
  private ms = Number.NaN;
  private text = "";

  constructor(private readonly now: () => number = Date.now) {}

  iso(): string {
    const now = this.now();
    if (now !== this.ms) {
      this.ms = now;
      this.text = new Date(now).toISOString();
    }
    return this.text;
  }
}
