// A runner drains on its own (SIGQUIT; its `draining`, protocol version 2): it finishes what it holds and exits, so
// the hub offers that connection nothing more from now — not one offer it would only decline (docs/runners.md
// "Draining a runner"). The mark is the connection's: the runner's next life starts undrained.
import type { RunnerConnection } from '../gateway/hub-core.js';
import { publishRunner } from '../runners/runner-views.js';
import type { HubDeps } from './hub-deps.js';

export async function runnerDraining(deps: HubDeps, connection: RunnerConnection): Promise<void> {
  if (connection.draining) return;
  connection.draining = true;
  deps.log.info(
    { runner: connection.name, runnerId: connection.runnerId },
    'runner draining; offering it nothing more',
  );
  publishRunner(deps, connection.runnerId);
}
