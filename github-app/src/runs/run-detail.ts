import type { RunDetail } from '@floe/shared';
import type { ReportRow, RunRow } from '../store/store.js';
import { nodeViews } from './node-views.js';
import { toRunSummary } from './run-summary.js';

/** A stored run with its nodes and engine events (`GET /api/runs/:runId`). */
export function toRunDetail(
  run: RunRow,
  extra: { runner?: string; pendingReason?: string } = {},
  reports: ReportRow[] = [],
): RunDetail {
  return {
    ...toRunSummary(run, extra),
    nodes: nodeViews(run.flow.tasks, run.engine),
    events: run.engine?.events ?? [],
    data: run.engine?.data ?? run.trigger.data,
    ...(run.trigger.warnings ? { warnings: run.trigger.warnings } : {}),
    ...(reports.length > 0 ? { reports: reports.map(({ node, attempt, report }) => ({ node, attempt, report })) } : {}),
  };
}
