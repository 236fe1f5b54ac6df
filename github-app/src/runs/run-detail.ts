import type { RunDetail } from '@floe/shared';
import type { RunRow } from '../store/store.js';
import { nodeViews } from './node-views.js';
import { toRunSummary } from './run-summary.js';

/** A stored run with its nodes and engine events (`GET /api/runs/:runId`). */
export function toRunDetail(run: RunRow, extra: { runner?: string; pendingReason?: string } = {}): RunDetail {
  return {
    ...toRunSummary(run, extra),
    nodes: nodeViews(run.flow.tasks, run.engine),
    events: run.engine?.events ?? [],
    data: run.engine?.data ?? run.trigger.data,
    ...(run.trigger.warnings ? { warnings: run.trigger.warnings } : {}),
  };
}
