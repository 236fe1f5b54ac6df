import type { RunSummary } from '@floe/shared';
import type { HubNotifier, HubSignal } from '../dispatch/hub-notifier.js';
import type { RunnerConnection } from '../gateway/hub-core.js';
import type { HubEventListener, HubEvents } from '../hub-events.js';
import type { ConnectedRunners } from '../runners/connected-runners.js';

/** A change the live API passes on (it re-reads what changed). */
export type HubChange =
  /**
   * `detail`: only a node or the event list changed (node-changed, run-event), which a run's summary does not show;
   * unset when the summary may have changed (and on changes heard from other hubs, which do not say).
   */
  | {
      kind: 'run';
      runId: string;
      detail?: true;
      /** The run's summary as this hub published it (run-changed here); other hubs' changes carry none. */
      summary?: RunSummary;
    }
  | { kind: 'runners' }
  /** API tokens were removed or rotated: live sessions check their token again (and close when it is refused). */
  | { kind: 'tokens' }
  | { kind: 'log'; runId: string; node: string };

/** A change of this hub's own, as its listeners hear it: a run's new summary comes along (no read needed). */
function localChangeOf(event: Parameters<HubEventListener>[0]): HubChange {
  return event.type === 'run-changed' ? { kind: 'run', runId: event.run.id, summary: event.run } : changeOf(event);
}

/** A change as the other hubs hear it: names only (a signal is small), they read what changed. */
export function changeOf(event: Parameters<HubEventListener>[0]): HubChange {
  if (event.type === 'runner-changed') return { kind: 'runners' };
  if (event.type === 'log') return { kind: 'log', runId: event.runId, node: event.node };
  if (event.type === 'run-changed') return { kind: 'run', runId: event.run.id };
  return { kind: 'run', runId: event.runId, detail: true };
}

/**
 * The hub and the other hubs on its database, kept told of each other (dispatch/hub-notifier.ts). What this hub's
 * bus sees, the other hubs' live subscribers must hear of (they re-read it from the store), and what the other
 * hubs saw, ours must: a run executing through another hub is live here too. Other hubs' signals also wake the
 * dispatcher, reach runners connected here, or drop a runner removed through another hub.
 */
export class HubChanges {
  private readonly remoteListeners = new Set<(change: HubChange) => void>();
  /** Listeners to changes that are no run or runner event (tokens removed or rotated). */
  private readonly localListeners = new Set<(change: HubChange) => void>();

  constructor(
    private readonly parts: {
      events: HubEvents;
      notifier: HubNotifier;
      connections: ConnectedRunners;
      /** Other hubs share the database: messages for runners connected elsewhere are relayed. */
      shared: boolean;
      /** Wakes this hub's dispatcher (another hub pended a run or freed a slot). */
      wake: () => void;
    },
  ) {
    const { events, notifier, connections } = parts;
    events.on((event) => notifier.publish(changeOf(event)));
    if (parts.shared) {
      connections.relayTo((runnerId, message) => notifier.publish({ kind: 'send', runnerId, message }));
    }
    notifier.subscribe((signal) => this.heard(signal));
  }

  /** Calls `listener` on every change, here or on another hub, in order; returns the unsubscribe function. */
  onChange(listener: (change: HubChange) => void): () => void {
    const stopLocal = this.parts.events.on((event) => listener(localChangeOf(event)));
    this.remoteListeners.add(listener);
    this.localListeners.add(listener);
    return () => {
      stopLocal();
      this.remoteListeners.delete(listener);
      this.localListeners.delete(listener);
    };
  }

  /** A change that is no run or runner event: told to this hub's listeners and the other hubs'. */
  announce(change: HubChange & { kind: 'tokens' | 'runners' }): void {
    for (const listener of this.localListeners) listener(change);
    this.parts.notifier.publish(change);
  }

  /** Closes a removed runner's socket, here or on the hub that holds it. */
  dropRunner(runnerId: string, reason: string, connection: RunnerConnection | undefined): void {
    if (connection?.close) connection.close(reason);
    else this.parts.notifier.publish({ kind: 'drop-runner', runnerId, reason });
  }

  private heard(signal: HubSignal): void {
    const { connections } = this.parts;
    if (signal.kind === 'wake') this.parts.wake();
    else if (signal.kind === 'send') connections.get(signal.runnerId)?.send(signal.message);
    else if (signal.kind === 'drop-runner') connections.get(signal.runnerId)?.close?.(signal.reason);
    else for (const listener of this.remoteListeners) listener(signal);
  }
}
