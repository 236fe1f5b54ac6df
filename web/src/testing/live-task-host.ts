// An element that shows a LiveTask's state, for live-task.test.ts: the test resolves its fetches and sends its live
// messages by hand, through `window.liveTask`, to see what the element shows in between.
import type { LiveSubscription } from '@floe/shared';
import { html, LitElement } from 'lit';
import { LiveTask } from '../live-task.js';

interface Driver {
  /** Every fetch started, with the arguments it got; the test settles them. */
  fetches: Array<{ arg: string; resolve: (value: string[]) => void; reject: (error: Error) => void }>;
  /** The open subscriptions' senders, by the argument they were opened with. */
  live: Map<string, (item: string) => void>;
  /** How many subscriptions were closed. */
  closed: number;
}

const driver: Driver = { fetches: [], live: new Map(), closed: 0 };
(window as unknown as { liveTask: Driver }).liveTask = driver;

export class LiveTaskHost extends LitElement {
  static override properties = { arg: {} };
  declare arg: string | undefined;
  readonly items = new LiveTask(this, {
    args: () => (this.arg === undefined ? undefined : ([this.arg] as const)),
    task: ([arg]) => new Promise<string[]>((resolve, reject) => driver.fetches.push({ arg, resolve, reject })),
    live: ([arg], update): LiveSubscription => {
      driver.live.set(arg, (item) => update((items) => [...(items ?? []), item]));
      return {
        close: () => {
          driver.live.delete(arg);
          driver.closed += 1;
        },
      };
    },
    // Items that came live during the fetch stay after it.
    merge: (fetched, current) => [...fetched, ...(current ?? []).filter((item) => !fetched.includes(item))],
  });

  override render() {
    return this.items.render({
      initial: () => html`<p>initial</p>`,
      pending: () => html`<p>pending</p>`,
      error: (error) => html`<p>error: ${(error as Error).message}</p>`,
      complete: (items) => html`<p>${items.join(',')}</p>`,
    });
  }
}

customElements.define('live-task-host', LiveTaskHost);
declare global {
  interface HTMLElementTagNameMap {
    'live-task-host': LiveTaskHost;
  }
}
