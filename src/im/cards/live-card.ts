/**
 * One card on a chat: created once, then updated single-flight with the latest view only (views
 * that arrive while a call is in flight or too early replace each other), at least `minIntervalMs`
 * apart, and finished exactly once. Every timer is stoppable (`stop`).
 */
import type { CardSurface, CardView, ChatTarget } from "../types.js";

export interface LiveCardDeps {
  surface: CardSurface;
  minIntervalMs: number;
  now(): number;
  /** An update failed (the card keeps its last view; the final answer decides what the chat gets). */
  onError(error: unknown): void;
  /** The card was created or its view changed (persistence). */
  onChange(card: LiveCard): void;
  /** An update failed for good (card gone, permission missing): the card is closed. */
  onBroken(card: LiveCard): void;
}

export class LiveCard {
  id: string | undefined;
  /** The view the chat sees (last accepted call). */
  shown: CardView;
  /** Why the card cannot be used (creation or finish failed, or it is gone). */
  error: unknown;
  /** Updates sent and accepted, for logs and tests. */
  updates = 0;
  private closed = false;
  private wanted: CardView | undefined;
  private flight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  private readonly created: Promise<boolean>;

  constructor(
    private readonly deps: LiveCardDeps,
    target: ChatTarget,
    view: CardView,
  ) {
    this.shown = view;
    this.created = deps.surface.create(target, view).then(
      (id) => {
        this.id = id;
        this.lastAt = deps.now();
        deps.onChange(this);
        this.kick();
        return true;
      },
      (error: unknown) => {
        this.error = error;
        this.closed = true;
        return false;
      },
    );
  }

  /** Resolves true once the card exists on the platform, false if it never will. */
  ready(): Promise<boolean> {
    return this.created;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Show this view next (latest wins). */
  show(view: CardView): void {
    if (this.closed) return;
    this.wanted = view;
    this.kick();
  }

  /** End the card with `view`; true when the platform accepted exactly that view. */
  async finish(view: CardView): Promise<boolean> {
    if (this.closed || !(await this.created) || this.closed) return false;
    this.closed = true;
    this.wanted = undefined;
    this.clearTimer();
    while (this.flight) await this.flight;
    const wait = this.lastAt + this.deps.minIntervalMs - this.deps.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      await this.deps.surface.finish(this.id ?? "", view);
      this.shown = view;
      return true;
    } catch (error) {
      this.error = error;
      return false;
    } finally {
      this.lastAt = this.deps.now();
      this.deps.onChange(this);
    }
  }

  /** Forget pending work (the bridge stops); the card stays as it is on the platform. */
  stop(): void {
    this.closed = true;
    this.wanted = undefined;
    this.clearTimer();
  }

  private kick(): void {
    if (this.closed || this.flight || this.timer || !this.wanted || this.id === undefined) return;
    const wait = this.lastAt + this.deps.minIntervalMs - this.deps.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, wait);
      return;
    }
    const view = this.wanted;
    this.wanted = undefined;
    this.flight = this.deps.surface
      .update(this.id, view, true)
      .then(
        () => {
          this.shown = view;
          this.updates++;
          this.deps.onChange(this);
        },
        (error: unknown) => {
          const { surface } = this.deps;
          if (surface.gone(error) || surface.missingPermission(error)) {
            this.error = error;
            this.closed = true;
            this.wanted = undefined;
            this.deps.onBroken(this);
          } else this.deps.onError(error);
        },
      )
      .finally(() => {
        this.lastAt = this.deps.now();
        this.flight = undefined;
        this.kick();
      });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
