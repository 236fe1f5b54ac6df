// Leases (DESIGN §5): a runner renews the lease of every run it holds with each heartbeat; a run whose lease
// lapses has lost its runner. An offer has a lease too (the offer timeout): an offer nobody accepted goes back
// to the queue and another runner is tried.
import { publishRunner } from '../runners/runner-views.js';
import type { RunRow } from '../store/store.js';
import { archiveRun } from './archive-run.js';
import type { HubDeps } from './hub-deps.js';
import { publishRun, runnerNameOf } from './publish-run.js';

/**
 * Handles every lease and offer that expired before now; none before `judgeFrom` (the hub sets it after its
 * database was away: every runner is first given a lease to be heard again). Never throws for one run's trouble.
 */
export async function expireLeases(deps: HubDeps, judgeFrom = 0): Promise<void> {
  const expired = await deps.store.listExpiredLeases(deps.now());
  if (deps.now() < judgeFrom) return;
  for (const run of expired) {
    try {
      await deps.withRun(run.id, () => expireLease(deps, run.id));
    } catch (err) {
      deps.log.error({ err, runId: run.id }, 'lease expiry failed');
    }
  }
}

async function expireLease(deps: HubDeps, runId: string): Promise<void> {
  const run = await deps.store.getRun(runId);
  if (!run || run.runnerId === undefined || run.state === 'archived') return;
  if ((run.leaseExpiresAt ?? Number.POSITIVE_INFINITY) >= deps.now()) return;
  const runner = (await runnerNameOf(deps, run.runnerId)) ?? run.runnerId;
  if (run.state === 'pending') {
    // Offer timeout: back to the queue, and this runner sits out the next passes for this run.
    const back = await deps.store.withdrawOffer(run.id, run.epoch);
    if (!back) return;
    deps.log.warn({ runId, runner }, 'offer not accepted in time');
    deps.connections.send(run.runnerId, { type: 'stop', runId, epoch: run.epoch, reason: 'the offer timed out' });
    deps.avoid(run.id, run.runnerId, 'did not accept it in time');
    await publishRun(deps, back);
    publishRunner(deps, run.runnerId);
    deps.wake();
    return;
  }
  await loseRun(deps, run, runner);
}

/**
 * The runner of an active run is gone (its lease lapsed, it came back without the run, or an admin removed it):
 * cancelled if someone asked, re-queued if the flow allows, else lost. `how` says how it went (default "lost"), as
 * in "runner vm-1 removed by ann". Call it holding the run's lock.
 */
export async function loseRun(deps: HubDeps, run: RunRow, runner: string, how = 'lost'): Promise<void> {
  const at = deps.now();
  const runnerId = run.runnerId as string;
  const stop = (reason: string) =>
    deps.connections.send(runnerId, { type: 'stop', runId: run.id, epoch: run.epoch, reason });
  if (run.cancelRequestedBy !== undefined) {
    const reason = `cancelled by ${run.cancelRequestedBy} (runner ${runner} ${how} before it confirmed)`;
    const archived = await archiveRun(
      deps,
      run,
      { type: 'cancel', by: run.cancelRequestedBy, at },
      {
        result: 'cancelled',
        reason,
        reasonCode: 'cancelled',
      },
    );
    if (archived) stop(reason);
    return;
  }
  if (run.flow['requeue-lost']) {
    // DESIGN §8: only flows that opt in are repeated; the new epoch fences the lost runner off the run.
    const again = await deps.store.requeueRun(run.id, run.epoch);
    if (!again) return;
    deps.log.warn({ runId: run.id, runner, how }, 'runner lost; run re-queued');
    stop(
      how === 'lost' ? `runner ${runner} lost the run's lease; it was re-queued` : `runner ${runner} ${how}; re-queued`,
    );
    deps.deadlines.clear(run.id);
    await publishRun(deps, again);
    publishRunner(deps, runnerId);
    deps.wake();
    return;
  }
  const archived = await archiveRun(
    deps,
    run,
    { type: 'lost', runner, at, ...(how !== 'lost' ? { how } : {}) },
    {
      result: 'bad',
      reason: `runner ${runner} ${how}`,
      reasonCode: 'lost',
    },
  );
  if (archived) {
    deps.log.warn({ runId: run.id, runner, how }, 'runner lost; run archived');
    stop(how === 'lost' ? `runner ${runner} lost the run's lease` : `runner ${runner} ${how}`);
  }
}
