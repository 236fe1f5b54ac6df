// An operator drains a runner, or undrains it (docs/runners.md "Draining a runner"): the flag is stored first, so
// that every hub sharing the database offers it nothing from that instant (the dispatcher reads it at each pass,
// and the store's offer refuses a drained runner even to a pass planned before), and it outlives hub restarts.
// Then the runner is told (`drain`, protocol version 2) on whichever hub holds it: it declines what is still on
// its way, finishes what it holds, and idles, or exits with --exit-when-drained.
import { FloeError } from '../errors.js';
import type { RunnerRow } from '../store/store.js';
import type { HubDeps } from './hub-deps.js';

/** Sets the runner named `name` drained or not; the row as stored. Throws FLOE_RUNNER_NOT_FOUND. */
export async function drainRunner(deps: HubDeps, name: string, drained: boolean): Promise<RunnerRow> {
  const runner = (await deps.store.listRunners()).find((row) => row.name === name);
  if (!runner) throw new FloeError('FLOE_RUNNER_NOT_FOUND', `no runner named ${name}; GET /api/runners lists them`);
  const row = (await deps.store.updateRunner(runner.id, { drained })) ?? { ...runner, drained };
  // Told even when the flag did not change: a runner that missed the first word (its hub was restarting) hears it.
  deps.connections.send(runner.id, { type: 'drain', drained });
  deps.log.info({ runner: name, runnerId: runner.id, drained }, drained ? 'runner drained' : 'runner undrained');
  // Undrained, it may take the runs that waited for it.
  if (!drained) deps.wake();
  return row;
}
