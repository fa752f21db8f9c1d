/**
 * What an actor's terminal shows right now: a headless xterm fed the same output as the PTY, so the
 * daemon can read the visible lines (for status and for recognizing dialogs) as a user would see them.
 */

import xtermHeadless from "@xterm/headless";

const { Terminal } = xtermHeadless;

export class TerminalScreen {
  private readonly term: InstanceType<typeof Terminal>;
  private disposed = false;

  constructor(cols: number, rows: number) {
    this.term = new Terminal({ cols, rows, scrollback: 0, allowProposedApi: true });
  }

  write(data: string): void {
    if (!this.disposed) this.term.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.disposed) this.term.resize(cols, rows);
  }

  /** Visible lines, trailing spaces trimmed, trailing empty lines dropped. Written data is parsed asynchronously, so very recent output may not show yet. */
  lines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < this.term.rows; i++) {
      out.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? "");
    }
    while (out.length > 0 && out.at(-1)?.trim() === "") out.pop();
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.term.dispose();
  }
}
