import type { RunSummary } from '@floe/shared';
import type { RunRow } from '../store/store.js';

/** A stored run as the API's lists show it (shared/src/api/runs-api.ts). */
export function toRunSummary(run: RunRow, extra: { runner?: string; pendingReason?: string } = {}): RunSummary {
  return {
    id: run.id,
    number: run.number,
    flowId: run.flowId,
    repo: run.repo,
    ...(run.ref !== undefined ? { ref: run.ref } : {}),
    ...(run.sha !== undefined ? { sha: run.sha } : {}),
    state: run.state,
    ...(run.result !== undefined ? { result: run.result } : {}),
    ...(run.reason !== undefined ? { reason: run.reason } : {}),
    ...(run.reasonCode !== undefined ? { reasonCode: run.reasonCode } : {}),
    ...(run.state === 'pending' && extra.pendingReason !== undefined ? { pendingReason: extra.pendingReason } : {}),
    ...(run.state === 'active' && run.engine?.ending ? { stopping: run.engine.ending.reason } : {}),
    ...(extra.runner !== undefined ? { runner: extra.runner } : {}),
    trigger: {
      type: run.trigger.type,
      ...(run.trigger.id !== undefined ? { id: run.trigger.id } : {}),
      ...(run.trigger.by !== undefined ? { by: run.trigger.by } : {}),
    },
    trust: run.trust,
    ...(run.retryOf !== undefined ? { retryOf: run.retryOf } : {}),
    createdAt: run.createdAt,
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
  };
}
