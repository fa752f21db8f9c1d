/**
 * Items added in one tick handed over together: one call of `run` per batch, in the order they were
 * added, and each caller's promise settled with its own outcome. The IM bridge's messages of one
 * tick become one ledger append (`Group.sendMany`). The batch goes out on `process.nextTick`, which
 * Node runs once the microtask queue is empty: after every message of the tick has come as far as
 * it can (however many awaits each took), and before any timer or I/O, so it adds no latency.
 */
export class TickBatch<I, O> {
  private items: I[] = [];
  private resolves: Array<(value: O) => void> = [];
  private rejects: Array<(error: Error) => void> = [];

  /** `run` answers each item in order with its result or its Error; a rejection fails them all. */
  constructor(private readonly run: (items: I[]) => Promise<Array<O | Error>>) {}

  add(item: I): Promise<O> {
    if (this.items.length === 0) process.nextTick(() => this.flush());
    this.items.push(item);
    return new Promise<O>((resolve, reject) => {
      this.resolves.push(resolve);
      this.rejects.push(reject);
    });
  }

  private flush(): void {
    const { items, resolves, rejects } = this;
    this.items = [];
    this.resolves = [];
    this.rejects = [];
    const failAll = (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      for (const reject of rejects) reject(err);
    };
    let running: Promise<Array<O | Error>>;
    try {
      running = this.run(items);
    } catch (error) {
      failAll(error);
      return;
    }
    running.then((results) => {
      for (let i = 0; i < items.length; i++) {
        const result = results[i];
        if (result instanceof Error) rejects[i]?.(result);
        else if (result === undefined) rejects[i]?.(new Error("batch answered no result for this item"));
        else resolves[i]?.(result);
      }
    }, failAll);
  }
}
