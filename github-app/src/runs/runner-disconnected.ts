import type { RunnerConnection } from '../gateway/hub-core.js';
import { publishRunner } from '../runners/runner-views.js';
import type { HubDeps } from './hub-deps.js';
import { publishRun } from './publish-run.js';

/**
 * A runner's socket closed. Unless a newer socket of it is connected (here or, several hubs, elsewhere), it is
 * marked disconnected and its offers in flight go back to the queue; its active runs keep their leases until they
 * expire (DESIGN §5): a brief disconnect does not lose a run.
 */
export async function runnerDisconnected(
  deps: HubDeps,
  runnerId: string,
  connection: RunnerConnection | undefined,
): Promise<void> {
  const { store, log } = deps;
  deps.connections.remove(runnerId, connection);
  if (deps.connections.get(runnerId)) return;
  // Several hubs: the runner may have connected to another hub before this one saw its old socket close.
  if (!(await store.disconnectRunner(runnerId, connection?.id, deps.now()))) {
    log.info({ runnerId }, 'runner connected elsewhere since; its old socket closed');
    return;
  }
  for (const run of await store.listLiveRuns()) {
    if (run.state !== 'pending' || run.runnerId !== runnerId) continue;
    const back = await store.withdrawOffer(run.id, run.epoch);
    if (back) await publishRun(deps, back);
  }
  log.info({ runnerId }, 'runner disconnected');
  publishRunner(deps, runnerId);
  deps.wake();
}
