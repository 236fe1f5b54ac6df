import { abandonRun, type EngineInput, stepRun } from '@floe/shared';
import { publishRunner } from '../runners/runner-views.js';
import type { RunEnding, RunRow } from '../store/store.js';
import type { HubDeps } from './hub-deps.js';
import { nodeView } from './node-views.js';
import { publishRun } from './publish-run.js';

/**
 * Ends a run from the hub's side (cancel of a pend, lost runner, hub-side timeout). When the run has an engine
 * state, `input` is applied to it so its nodes end the way the engine says (running → cancelled, …) and the
 * ending is the engine's; without one, `fallback` is the ending. Then listeners are told, the deadline timer is
 * dropped and the dispatcher is woken: slots and resource tags are free again (DESIGN §4). Returns the archived
 * run, or undefined when it had moved (ended or re-assigned) meanwhile. Call it holding the run's lock.
 */
export async function archiveRun(
  deps: HubDeps,
  run: RunRow,
  input: EngineInput | undefined,
  fallback: Omit<RunEnding, 'endedAt'>,
): Promise<RunRow | undefined> {
  const at = deps.now();
  let ending: RunEnding = { ...fallback, endedAt: at };
  let engine = run.engine;
  if (engine && input) {
    let step = stepRun(run.flow, engine, input);
    // The hub ends the run itself: it does not wait for the runner to report that the run's tasks stopped.
    if (!step.state.ended) step = abandonRun(run.flow, step.state, at);
    engine = step.state;
    if (engine.ended) {
      ending = {
        result: engine.ended.result,
        reason: engine.ended.reason,
        reasonCode: engine.ended.reasonCode,
        endedAt: engine.ended.at,
      };
    }
  }
  const archived = await deps.store.archiveRun(run.id, ending, {
    epoch: run.epoch,
    ...(engine && engine !== run.engine ? { engine } : {}),
  });
  if (!archived) return undefined;
  deps.log.info({ runId: run.id, result: ending.result, reasonCode: ending.reasonCode }, 'run ended by the hub');
  deps.deadlines.clear(run.id);
  if (engine !== run.engine) {
    for (const node of archived.flow.tasks) {
      if (JSON.stringify(run.engine?.nodes[node.id]) !== JSON.stringify(engine?.nodes[node.id])) {
        deps.events.emit({ type: 'node-changed', runId: run.id, node: nodeView(node, archived.engine) });
      }
    }
  }
  await publishRun(deps, archived);
  publishRunner(deps, archived.runnerId);
  deps.wake();
  return archived;
}
