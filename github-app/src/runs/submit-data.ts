import type { FormValues } from '@floe/shared';
import { FloeError } from '../errors.js';
import { checkFormValues } from './check-form-values.js';
import type { HubDeps } from './hub-deps.js';
import { runnerNameOf } from './publish-run.js';

/**
 * Answers (or with `reject` refuses) the form of a `data` node awaiting input: the values are checked against
 * the node's form here, then forwarded to the run's runner, whose engine applies them and reports them back as
 * an input record (DESIGN §5 "Steering"). Throws FLOE_RUN_NOT_FOUND, FLOE_NODE_NOT_FOUND, FLOE_RUN_ENDED,
 * FLOE_NODE_NOT_AWAITING_INPUT or FLOE_DATA_INVALID.
 */
export async function submitData(
  deps: HubDeps,
  runId: string,
  nodeId: string,
  body: { values: FormValues; reject?: boolean | undefined },
  by: string,
): Promise<void> {
  const run = await deps.store.getRun(runId);
  if (!run) throw new FloeError('FLOE_RUN_NOT_FOUND', `no run ${runId}`);
  const node = run.flow.tasks.find((task) => task.id === nodeId);
  if (!node) throw new FloeError('FLOE_NODE_NOT_FOUND', `run #${run.number} of ${run.flowId} has no node ${nodeId}`);
  if (run.state === 'archived')
    throw new FloeError('FLOE_RUN_ENDED', `run #${run.number} has already ended (${run.reason})`);
  const state = run.engine?.nodes[nodeId]?.state ?? 'waiting';
  if (state !== 'awaiting-input' || node.class === 'merge' || node.type !== 'data' || run.runnerId === undefined) {
    throw new FloeError(
      'FLOE_NODE_NOT_AWAITING_INPUT',
      `node ${nodeId} of run #${run.number} is ${state}, not awaiting input`,
    );
  }
  let values: Record<string, string> = {};
  if (!body.reject) {
    const checked = checkFormValues(node.opts.form, body.values);
    if (!checked.ok) throw new FloeError('FLOE_DATA_INVALID', `node ${nodeId}: ${checked.problems.join('; ')}`);
    values = checked.values;
  }
  // Connected here, or (several hubs) to another hub, as the store says: a relayed answer to a runner that is
  // connected nowhere would be lost without a word.
  const reachable =
    deps.connections.get(run.runnerId) !== undefined || (await deps.store.getRunner(run.runnerId))?.connected === true;
  const sent =
    reachable &&
    deps.connections.send(run.runnerId, {
      type: 'data',
      runId,
      epoch: run.epoch,
      node: nodeId,
      values,
      by,
      ...(body.reject ? { reject: true } : {}),
    });
  if (!sent) {
    const runner = await runnerNameOf(deps, run.runnerId);
    throw new FloeError(
      'FLOE_NODE_NOT_AWAITING_INPUT',
      `runner ${runner}, which runs #${run.number}, is not connected; answer again once it reconnects`,
    );
  }
  deps.log.info({ runId, node: nodeId, by, reject: body.reject === true }, 'form answer forwarded');
}
