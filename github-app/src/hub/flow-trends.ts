// A flow's trends (docs/api.md "Trends"): from its newest ended runs, how long a run takes (p50 and p95, nearest
// rank, start to end: a run cancelled while it waited for a runner never ran and is left out) and which tasks end
// bad or in error most often. Computed on each request from at most 500 runs: no table to keep in step.
import { type FlowTrends, isMerge } from '@floe/shared';
import type { RunRow } from '../store/store.js';

/** `runs` newest first, all archived, all of one flow. */
export function flowTrends(repo: string, flowId: string, runs: readonly RunRow[]): FlowTrends {
  const recent: FlowTrends['recent'] = [];
  const failing = new Map<string, { name: string; failures: number; ran: number; lastRunId: string }>();
  for (const run of runs) {
    if (run.startedAt !== undefined && run.endedAt !== undefined && run.result !== undefined) {
      recent.push({ runId: run.id, number: run.number, result: run.result, durationMs: run.endedAt - run.startedAt });
    }
    for (const node of run.flow.tasks) {
      if (isMerge(node)) continue;
      const state = run.engine?.nodes[node.id];
      // Replayed results were the retried run's: counting them again would double that run's failures.
      if (!state || state.attempt === 0 || state.replayed) continue;
      const entry = failing.get(node.id) ?? { name: node.name, failures: 0, ran: 0, lastRunId: run.id };
      entry.ran++;
      if (state.state === 'bad' || state.state === 'error') {
        if (entry.failures === 0) entry.lastRunId = run.id;
        entry.failures++;
      }
      failing.set(node.id, entry);
    }
  }
  recent.reverse();
  const durations = recent.map((r) => r.durationMs).sort((a, b) => a - b);
  return {
    repo,
    flowId,
    runs: runs.length,
    timed: durations.length,
    ...(durations.length > 0
      ? { durationMs: { p50: nearestRank(durations, 0.5), p95: nearestRank(durations, 0.95) } }
      : {}),
    recent,
    failingTasks: [...failing.entries()]
      .filter(([, entry]) => entry.failures > 0)
      .map(([node, entry]) => ({ node, ...entry }))
      .sort(
        (a, b) => b.failures - a.failures || b.failures / b.ran - a.failures / a.ran || a.node.localeCompare(b.node),
      )
      .slice(0, 10),
  };
}

/** The nearest-rank percentile of sorted values: always one of them, never an interpolation. */
function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}
