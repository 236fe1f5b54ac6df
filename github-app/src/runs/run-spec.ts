import type { RunSpec } from '@floe/shared';
import type { RunRow } from '../store/store.js';

/**
 * What the runner gets with an offer (shared/src/protocol/run-spec.ts): the flow snapshot resolved when the run
 * was made, never re-read (DESIGN §4). With a retry from a node, the retried run's final engine state, so the
 * runner replays its good upstream nodes exactly as the hub will (apply-records.ts starts the hub's copy the
 * same way).
 */
export function toRunSpec(run: RunRow, previous: RunRow | undefined): RunSpec {
  return {
    id: run.id,
    number: run.number,
    flow: run.flow,
    repo: run.repo,
    ...(run.ref !== undefined ? { ref: run.ref } : {}),
    ...(run.sha !== undefined ? { sha: run.sha } : {}),
    ...(run.cloneUrl !== undefined ? { cloneUrl: run.cloneUrl } : {}),
    ...(run.trigger.id !== undefined ? { trigger: run.trigger.id } : {}),
    data: run.trigger.data,
    trust: run.trust,
    ...(run.trust === 'untrusted'
      ? { checkoutUrls: [run.cloneUrl, run.trigger.headCloneUrl].filter((url) => url !== undefined) }
      : {}),
    ...(run.replayFrom !== undefined && previous?.engine
      ? { replay: { from: run.replayFrom, previousRunId: previous.id, previous: previous.engine } }
      : {}),
    secrets: {},
  };
}
