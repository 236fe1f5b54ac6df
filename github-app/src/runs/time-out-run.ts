import { formatDuration } from '@floe/shared';
import { archiveRun } from './archive-run.js';
import type { HubDeps } from './hub-deps.js';
import { runDeadline } from './run-deadlines.js';

/**
 * The hub-side deadline of an active run passed (run-deadlines.ts: the run's deadline plus a grace in which its
 * runner did not end it): the run ends as a timeout (the engine's `tick` input at the deadline gives the same
 * ending the runner's engine would) and its runner is told to cancel.
 */
export async function timeOutRun(deps: HubDeps, runId: string): Promise<void> {
  await deps.withRun(runId, async () => {
    const run = await deps.store.getRun(runId);
    if (run?.state !== 'active') return;
    const deadline = runDeadline(run);
    if (deadline === undefined || deadline + deps.timing.stopGraceMs > deps.now()) return;
    const after = formatDuration(deadline - (run.engine?.startedAt ?? run.startedAt ?? deadline));
    const archived = await archiveRun(
      deps,
      run,
      { type: 'tick', at: Math.max(deps.now(), deadline) },
      {
        result: 'bad',
        reason: `timed out after ${after}`,
        reasonCode: 'timeout',
      },
    );
    if (archived && run.runnerId !== undefined) {
      deps.connections.send(run.runnerId, { type: 'cancel', runId, epoch: run.epoch, by: 'timeout' });
    }
  });
}
