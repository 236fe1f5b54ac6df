import { FloeError } from '../errors.js';
import { archiveRun } from './archive-run.js';
import type { HubDeps } from './hub-deps.js';

/**
 * Cancels a run (DESIGN §3 rule 3). A pending run is archived `cancelled` at once (an offer in flight is taken
 * back: its runner is told to stop). An active run is cancelled by its runner, which kills the run's process
 * tree and reports the cancel as an engine input like any other; the request is recorded too, so a run whose
 * runner is gone still ends `cancelled` when its lease expires, and a runner that reconnects is told again.
 * Throws FLOE_RUN_NOT_FOUND / FLOE_RUN_ENDED.
 */
export async function cancelRun(deps: HubDeps, runId: string, by: string): Promise<void> {
  await deps.withRun(runId, async () => {
    const run = await deps.store.getRun(runId);
    if (!run) throw new FloeError('FLOE_RUN_NOT_FOUND', `no run ${runId}`);
    if (run.state === 'archived') {
      throw new FloeError('FLOE_RUN_ENDED', `run #${run.number} of ${run.flowId} has already ended (${run.reason})`);
    }
    const reason = `cancelled by ${by}`;
    if (run.state === 'pending') {
      const archived = await archiveRun(deps, run, undefined, { result: 'cancelled', reason, reasonCode: 'cancelled' });
      if (archived && run.runnerId !== undefined) {
        deps.connections.send(run.runnerId, { type: 'stop', runId, epoch: run.epoch, reason });
      }
      return;
    }
    await deps.store.requestCancel(runId, by, deps.now());
    const sent =
      run.runnerId !== undefined &&
      deps.connections.send(run.runnerId, { type: 'cancel', runId, epoch: run.epoch, by });
    deps.log.info({ runId, by, sent }, 'cancel requested');
  });
}
