// An admin removes a runner (DESIGN §5 "Runner auth", docs/security.md "Revocation, expiry and audit"): its row and
// credential go first, so the credential is refused from that instant on every hub; its active runs end as lost —
// or go back to the queue where the flow says `requeue-lost` — and offers made to it are withdrawn; then its socket
// is closed (on whichever hub holds it), and its reconnect is refused for a bad credential, which makes the runner
// exit instead of retrying.
import { FloeError } from '../errors.js';
import type { RunnerConnection } from '../gateway/hub-core.js';
import type { HubDeps } from './hub-deps.js';
import { loseRun } from './lease.js';
import { publishRun } from './publish-run.js';

/**
 * Removes the runner named `name`. `drop` closes its socket wherever it is connected. Throws FLOE_RUNNER_NOT_FOUND.
 * Returns the ids of the runs it held.
 */
export async function removeRunner(
  deps: HubDeps,
  name: string,
  by: string,
  drop: (runnerId: string, reason: string, connection: RunnerConnection | undefined) => void,
): Promise<string[]> {
  const runner = (await deps.store.listRunners()).find((row) => row.name === name);
  if (!runner) throw new FloeError('FLOE_RUNNER_NOT_FOUND', `no runner named ${name}; GET /api/runners lists them`);
  await deps.store.deleteRunner(runner.id);
  // Out of the dispatcher's sight at once: no new offer may reach it while its socket is being closed.
  const connection = deps.connections.get(runner.id);
  deps.connections.remove(runner.id);
  const held: string[] = [];
  for (const live of await deps.store.listLiveRuns()) {
    if (live.runnerId !== runner.id) continue;
    held.push(live.id);
    await deps.withRun(live.id, async () => {
      const run = await deps.store.getRun(live.id);
      if (!run || run.runnerId !== runner.id || run.state === 'archived') return;
      if (run.state === 'active') {
        await loseRun(deps, run, name, `removed by ${by}`);
        // Its connection is out of the map already: the stop goes to it directly, before the socket closes.
        connection?.send({ type: 'stop', runId: run.id, epoch: run.epoch, reason: `runner ${name} removed by ${by}` });
        return;
      }
      const back = await deps.store.withdrawOffer(run.id, run.epoch);
      if (back) await publishRun(deps, back);
    });
  }
  drop(runner.id, `runner removed by ${by}`, connection);
  deps.log.warn({ runner: name, runnerId: runner.id, by, runs: held.length }, 'runner removed');
  deps.wake();
  return held;
}
