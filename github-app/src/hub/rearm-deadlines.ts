import type { HubDeps } from '../runs/hub-deps.js';
import { resendCancels } from './resend-cancels.js';

/**
 * Several hubs on one database: the hub a run was accepted through may die, taking its deadline timer along, so
 * every hub keeps the timers of every active run, re-read each sweep (timeOutRun re-reads the run and archives at
 * its epoch, so one hub ends it). The same sweep tells this hub's runners again of cancels asked for through
 * another hub: that hub's signal (NOTIFY) is lost when the database connection breaks at that moment, and the run
 * would go on to its end.
 */
export async function rearmDeadlines(deps: Pick<HubDeps, 'store' | 'deadlines' | 'connections'>): Promise<void> {
  const runs = await deps.store.listLiveRuns();
  for (const run of runs) if (run.state === 'active') deps.deadlines.arm(run);
  resendCancels(deps.connections, runs);
}
