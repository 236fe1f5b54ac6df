import { FloeError } from '../errors.js';
import { newRunId } from '../store/new-run-id.js';
import type { RunRow } from '../store/store.js';
import type { HubDeps } from './hub-deps.js';
import { publishRun } from './publish-run.js';

/**
 * Retries an ended run (DESIGN §8 "Retry"): a new run (new number, `retryOf` set) of the same flow snapshot, at
 * the same commit, with the same trigger data and trust. With `from`, the retried run's good nodes upstream of `from` are
 * replayed and `from` runs afresh — on the runner that ran the first run, because it holds the workspace;
 * when that runner is no longer registered, this says so instead of guessing. Throws FLOE_RUN_NOT_FOUND,
 * FLOE_NODE_NOT_FOUND or FLOE_RETRY_UNAVAILABLE.
 */
export async function retryRun(deps: HubDeps, runId: string, from: string | undefined, by: string): Promise<RunRow> {
  const previous = await deps.store.getRun(runId);
  if (!previous) throw new FloeError('FLOE_RUN_NOT_FOUND', `no run ${runId}`);
  const label = `run #${previous.number} of ${previous.flowId}`;
  if (previous.state !== 'archived') {
    throw new FloeError('FLOE_RETRY_UNAVAILABLE', `${label} is still ${previous.state}; cancel it or let it end first`);
  }
  let pinnedRunnerId: string | undefined;
  if (from !== undefined) {
    if (!previous.flow.tasks.some((node) => node.id === from)) {
      throw new FloeError('FLOE_NODE_NOT_FOUND', `${label} has no node ${from}`);
    }
    if (!previous.engine || previous.runnerId === undefined) {
      throw new FloeError(
        'FLOE_RETRY_UNAVAILABLE',
        `${label} never started, so nothing can be replayed; retry it whole`,
      );
    }
    const runner = await deps.store.getRunner(previous.runnerId);
    if (!runner) {
      throw new FloeError(
        'FLOE_RETRY_UNAVAILABLE',
        `the runner that ran ${label} is not registered any more, so no runner holds its workspace; retry the whole run instead`,
      );
    }
    pinnedRunnerId = runner.id;
  }
  const run = await deps.store.createRun({
    id: newRunId(deps.now()),
    repo: previous.repo,
    flowId: previous.flowId,
    // The trigger id stays: its opts reach git-checkout (shared/src/flow/trigger-checkout.ts) as in the retried run.
    trigger: {
      type: 'retry',
      by,
      data: previous.trigger.data,
      ...(previous.trigger.id !== undefined ? { id: previous.trigger.id } : {}),
      ...(previous.trigger.headCloneUrl !== undefined ? { headCloneUrl: previous.trigger.headCloneUrl } : {}),
    },
    // The same code, so the same trust: a fork's run retried (whole, from a node, by any button) stays untrusted.
    trust: previous.trust,
    flow: previous.flow,
    ...(previous.ref !== undefined ? { ref: previous.ref } : {}),
    ...(previous.sha !== undefined ? { sha: previous.sha } : {}),
    ...(previous.cloneUrl !== undefined ? { cloneUrl: previous.cloneUrl } : {}),
    createdAt: deps.now(),
    retryOf: previous.id,
    ...(from !== undefined ? { replayFrom: from, pinnedRunnerId } : {}),
  });
  deps.log.info({ runId: run.id, retryOf: previous.id, from }, 'run retried');
  await publishRun(deps, run);
  deps.wake();
  return run;
}
