import { publishRunner } from '../runners/runner-views.js';
import type { HubDeps } from './hub-deps.js';
import { publishRun } from './publish-run.js';

/**
 * The runner accepted an offer: the run is active on it with a lease and a deadline, and a runner of protocol 7 is
 * told so at once (`accepted`: its tasks may start). When the offer is gone (the run ended, or it was withdrawn),
 * the runner is told to stop.
 */
export async function offerAccepted(deps: HubDeps, runnerId: string, runId: string, epoch: number): Promise<void> {
  const { store } = deps;
  await deps.withRun(runId, async () => {
    const run = await store.acceptRun(runId, runnerId, epoch, deps.now() + deps.timing.leaseMs, deps.now());
    if (!run) {
      const current = await store.getRun(runId);
      // Records may have activated it already (or this is an accept sent again); anything else means the offer
      // is gone.
      if (current?.state === 'active' && current.runnerId === runnerId && current.epoch === epoch)
        return tellAccepted(deps, runnerId, runId, epoch);
      deps.connections.send(runnerId, {
        type: 'stop',
        runId,
        epoch,
        reason:
          current?.state === 'archived' ? `the run has ended: ${current.reason ?? ''}` : 'the offer was withdrawn',
      });
      return;
    }
    tellAccepted(deps, runnerId, runId, epoch);
    deps.log.info({ runId, runnerId, epoch }, 'run accepted');
    deps.metrics.dispatchLatency.observe(Math.max(0, deps.now() - run.createdAt) / 1000);
    deps.deadlines.arm(run);
    await publishRun(deps, run);
    publishRunner(deps, runnerId);
  });
}

/**
 * Tells the runner that its accept is stored, before anything else is done with the run: its tasks wait for this,
 * on every run's dispatch path. Only once the store has the run as this runner's at this epoch, which is what fences
 * every other runner out (DESIGN §5 "Offers and epochs"). A runner older than `accepted` is not sent it (the
 * connection's `send` leaves it out): it starts its tasks once its `start` record is acknowledged.
 */
function tellAccepted(deps: HubDeps, runnerId: string, runId: string, epoch: number): void {
  deps.connections.send(runnerId, { type: 'accepted', runId, epoch });
}

/** The runner declined an offer: the run goes back to the queue, and that runner sits it out for a while. */
export async function offerDeclined(
  deps: HubDeps,
  runnerId: string,
  runId: string,
  epoch: number,
  reason: string,
): Promise<void> {
  const { store } = deps;
  await deps.withRun(runId, async () => {
    const run = await store.getRun(runId);
    if (!run || run.runnerId !== runnerId || run.epoch !== epoch) return;
    const back = await store.withdrawOffer(runId, epoch);
    if (!back) return;
    deps.log.info({ runId, runnerId, reason }, 'offer declined');
    deps.avoid(runId, runnerId, `declined it (${reason})`);
    await publishRun(deps, back);
    publishRunner(deps, runnerId);
  });
  deps.wake();
}
