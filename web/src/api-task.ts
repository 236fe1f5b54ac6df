// Async data for an element (after @lit/task; CONTRIBUTING.md "The dashboard and the extension"): it runs when its
// arguments change, aborts the stale run, and renders one of four states, so no element keeps loading flags by hand.
// `live` opens the matching live subscription with the same arguments when the host connects and closes it when the
// host disconnects.
import type { LiveSubscription } from '@floe/shared';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export const TaskStatus = { initial: 'initial', pending: 'pending', complete: 'complete', error: 'error' } as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export interface ApiTaskOptions<A extends readonly unknown[], T> {
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

export class ApiTask<A extends readonly unknown[], T> implements ReactiveController {
  status: TaskStatus = TaskStatus.initial;
  value: T | undefined;
  error: unknown;
  private lastArgs: A | undefined;
  private abort: AbortController | undefined;
  private subscription: LiveSubscription | undefined;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: ApiTaskOptions<A, T>,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.lastArgs = undefined;
  }

  hostUpdate(): void {
    const args = this.options.args();
    if (args === undefined || (this.lastArgs !== undefined && sameArgs(args, this.lastArgs))) return;
    this.lastArgs = args;
    this.value = undefined;
    this.start(args);
  }

  hostDisconnected(): void {
    this.connected = false;
    this.stop();
  }

  /** Runs again with the same arguments (a "retry" or "refresh" button). */
  rerun(): void {
    if (this.lastArgs !== undefined) this.start(this.lastArgs);
  }

  render(renderers: Renderers<T>): unknown {
    switch (this.status) {
      case TaskStatus.initial:
        return renderers.initial?.() ?? renderers.pending?.();
      case TaskStatus.pending:
        // Refreshing keeps showing what we have; a first load shows the pending state.
        return this.value === undefined ? renderers.pending?.() : renderers.complete(this.value);
      case TaskStatus.complete:
        return renderers.complete(this.value as T);
      case TaskStatus.error:
        return renderers.error?.(this.error);
    }
  }

  private start(args: A): void {
    this.stop();
    if (!this.connected) return;
    const abort = new AbortController();
    this.abort = abort;
    this.status = TaskStatus.pending;
    this.host.requestUpdate();
    if (this.options.live) {
      this.subscription = this.options.live(args, (change) => {
        if (abort.signal.aborted) return;
        this.value = change(this.value);
        this.host.requestUpdate();
      });
    }
    this.options.task(args, abort.signal).then(
      (value) => {
        if (abort.signal.aborted) return;
        this.value = this.options.merge ? this.options.merge(value, this.value) : value;
        this.status = TaskStatus.complete;
        this.host.requestUpdate();
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        this.error = error;
        this.status = TaskStatus.error;
        this.host.requestUpdate();
      },
    );
  }

  private stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.subscription?.close();
    this.subscription = undefined;
  }
}

function sameArgs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
