// An element's data from the hub, kept current by the live API (CONTRIBUTING.md "The dashboard and the extension").
// @lit/task does the fetching: it runs when the arguments change and drops a stale run's result. This adds what
// the live API needs: the live subscription opened with the same arguments, whose messages change the value (also
// while the fetch is still under way), and a refresh that keeps showing the value instead of a spinner.
import type { LiveSubscription } from '@floe/shared';
import { initialState, Task, TaskStatus } from '@lit/task';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface LiveTaskOptions<A extends readonly unknown[], T> {
  /** The arguments; `undefined` while something they need is missing (e.g. not signed in yet). */
  args: () => A | undefined;
  task: (args: A, signal: AbortSignal) => Promise<T>;
  /** Opens a subscription that changes the value through `update` (called with the current value, if any). */
  live?: (args: A, update: (change: (value: T | undefined) => T | undefined) => void) => LiveSubscription;
  /** Combines the fetched value with what live messages made of the value meanwhile; default: the fetched one. */
  merge?: (fetched: T, current: T | undefined) => T;
}

type Renderers<T> = {
  initial?: () => unknown;
  pending?: () => unknown;
  complete: (value: T) => unknown;
  error?: (error: unknown) => unknown;
};

export class LiveTask<A extends readonly unknown[], T> implements ReactiveController {
  /** The fetched value with the live messages applied since. */
  value: T | undefined;
  private readonly task: Task<A | readonly [], T>;
  private subscription: LiveSubscription | undefined;
  private refreshing = false;
  private disconnected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    options: LiveTaskOptions<A, T>,
  ) {
    this.task = new Task(host, {
      // @lit/task takes an array: an empty one stands for "not yet" and keeps the task in its initial state.
      args: () => options.args() ?? [],
      task: (args, { signal }) => {
        this.close();
        if (args.length === 0) return initialState;
        if (!this.refreshing) this.value = undefined;
        if (options.live) {
          const subscription = options.live(args as A, (change) => {
            if (this.subscription !== subscription) return;
            this.value = change(this.value);
            this.host.requestUpdate();
          });
          this.subscription = subscription;
        }
        return options.task(args as A, signal);
      },
      onComplete: (fetched) => {
        this.value = options.merge ? options.merge(fetched, this.value) : fetched;
      },
    });
    host.addController(this);
  }

  hostConnected(): void {
    // Back in the page after a while away: fetch afresh, the subscription was closed meanwhile.
    if (!this.disconnected) return;
    this.disconnected = false;
    void this.task.run();
  }

  hostDisconnected(): void {
    this.disconnected = true;
    this.close();
  }

  /** Runs again with the same arguments (a "retry" or "refresh" button), showing the value meanwhile. */
  rerun(): void {
    this.refreshing = true;
    try {
      void this.task.run();
    } finally {
      this.refreshing = false;
    }
  }

  render(renderers: Renderers<T>): unknown {
    switch (this.task.status) {
      case TaskStatus.INITIAL:
        return renderers.initial?.() ?? renderers.pending?.();
      case TaskStatus.PENDING:
        // Refreshing keeps showing what we have; a first load shows the pending state.
        return this.value === undefined ? renderers.pending?.() : renderers.complete(this.value);
      case TaskStatus.COMPLETE:
        return renderers.complete(this.value as T);
      default:
        return renderers.error?.(this.task.error);
    }
  }

  private close(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }
}
