import type { HubDeps } from '../runs/hub-deps.js';

/**
 * Start-up: no runner is connected yet (the flag in the store is from the previous life; not with a shared
 * database, where the flags belong to the other hubs' runners); active runs get their deadline timers back and a
 * fresh lease.
 */
export async function recoverAtStart(
  deps: Pick<HubDeps, 'store' | 'deadlines' | 'now' | 'timing'>,
  sharedDatabase: boolean,
): Promise<void> {
  const { store, now, timing } = deps;
  for (const runner of sharedDatabase ? [] : await store.listRunners()) {
    if (runner.connected) await store.updateRunner(runner.id, { connected: false });
  }
  for (const run of await store.listLiveRuns()) {
    if (run.state !== 'active') continue;
    deps.deadlines.arm(run);
    // Runners keep executing while the hub is down (DESIGN §5): give each one a full lease to reconnect before
    // its runs count as lost, or any outage longer than a lease would lose every active run.
    if (run.runnerId !== undefined) {
      await store.renewLeases(run.runnerId, [{ runId: run.id, epoch: run.epoch }], now() + timing.leaseMs);
    }
  }
}
