import type { RunRow } from '../store/store.js';
import type { HubDeps } from './hub-deps.js';
import { toRunSummary } from './run-summary.js';

/** The name of the runner a run is on, for summaries (the id when the runner is unknown). */
export async function runnerNameOf(deps: Pick<HubDeps, 'store' | 'connections'>, runnerId: string | undefined) {
  if (runnerId === undefined) return undefined;
  return deps.connections.get(runnerId)?.name ?? (await deps.store.getRunner(runnerId))?.name ?? runnerId;
}

/** Tells listeners (live API, GitHub checks) that a run changed, with its summary now. */
export async function publishRun(
  deps: Pick<HubDeps, 'store' | 'connections' | 'events' | 'pendingReason'>,
  run: RunRow,
) {
  const runner = await runnerNameOf(deps, run.runnerId);
  const pendingReason = run.state === 'pending' ? deps.pendingReason(run.id) : undefined;
  deps.events.emit({
    type: 'run-changed',
    run: toRunSummary(run, {
      ...(runner !== undefined ? { runner } : {}),
      ...(pendingReason !== undefined ? { pendingReason } : {}),
    }),
  });
}
