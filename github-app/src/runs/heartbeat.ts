import type { HubDeps } from './hub-deps.js';

/**
 * A runner's heartbeat: renews the leases of the runs it holds, and tells it to stop each one that is not its own
 * any more (no such run, ended, or at another epoch or runner).
 */
export async function heartbeat(
  deps: Pick<HubDeps, 'store' | 'connections' | 'now' | 'timing'>,
  runnerId: string,
  runs: { runId: string; epoch: number }[],
): Promise<void> {
  const { store } = deps;
  const renewed = new Set(await store.renewLeases(runnerId, runs, deps.now() + deps.timing.leaseMs));
  await store.updateRunner(runnerId, { lastSeenAt: deps.now() });
  for (const claim of runs) {
    if (renewed.has(claim.runId)) continue;
    const run = await store.getRun(claim.runId);
    const own = run?.runnerId === runnerId && run.epoch === claim.epoch;
    // An accept still on its way, or stored between the renewal and this read (through the runner's new socket
    // after a reconnect, whose hello takes the acceptance): not stale.
    if (own && (run?.state === 'pending' || run?.state === 'active')) continue;
    // A run that ended while its tasks are being killed: the runner is still sending their last output
    // (apply-records.ts keeps it); a stop now would make it drop that output.
    if (own && run?.state === 'archived' && run.engine?.ended && run.reasonCode !== 'lost') continue;
    const reason = !run
      ? 'the hub has no such run'
      : run.state === 'archived'
        ? `the run has ended: ${run.reason ?? ''}`
        : 'the run is no longer assigned to this runner at this epoch';
    deps.connections.send(runnerId, { type: 'stop', runId: claim.runId, epoch: claim.epoch, reason });
  }
}
