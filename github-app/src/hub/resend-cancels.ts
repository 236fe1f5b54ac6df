import type { ConnectedRunners } from '../runners/connected-runners.js';
import type { RunRow } from '../store/store.js';

/**
 * Sends again the cancels stored with active runs whose runners are connected here (the runner ignores a repeat):
 * the first one may have been lost with a broken database connection (a signal between hubs) or an outage.
 */
export function resendCancels(connections: ConnectedRunners, runs: RunRow[]): void {
  for (const run of runs) {
    if (run.state !== 'active' || run.runnerId === undefined || run.cancelRequestedBy === undefined) continue;
    connections.get(run.runnerId)?.send({ type: 'cancel', runId: run.id, epoch: run.epoch, by: run.cancelRequestedBy });
  }
}
