// What the flow page, the badge and the API read about one flow beyond its runs: trends (flow-trends.ts), the
// outgoing webhooks' delivery log (notify/) and the last result for badges (routes/badge-route.ts).
import type { DeliveryView, FlowReportQuery, FlowTrends, RunResult } from '@floe/shared';
import { FloeError } from '../errors.js';
import type { Store } from '../store/store.js';
import { flowTrends } from './flow-trends.js';

export interface FlowReports {
  /** `GET /api/flows/:flowId/trends`. Throws FLOE_FLOW_NOT_FOUND / FLOE_FLOW_AMBIGUOUS. */
  flowTrends(flowId: string, query?: FlowReportQuery): Promise<FlowTrends>;
  /** `GET /api/flows/:flowId/deliveries`, newest first. Throws like flowTrends. */
  deliveries(flowId: string, query?: Pick<FlowReportQuery, 'repo'>): Promise<DeliveryView[]>;
  /**
   * The result of the flow's newest ended run on `ref` (a branch name or full ref; default the repository's default
   * branch): `unknown` when the hub has no such flow, `none` before its first run there.
   */
  lastResult(repo: string, flowId: string, ref?: string): Promise<RunResult | 'none' | 'unknown'>;
}

export function flowReports(store: Store): FlowReports {
  /** The flow's repository: the one given, or the only one with a flow of that id. */
  const repoOf = async (flowId: string, repo: string | undefined): Promise<string> => {
    const repos = [...new Set((await store.listFlows(repo)).filter((f) => f.id === flowId).map((f) => f.repo))];
    if (repos.length === 0) {
      throw new FloeError('FLOE_FLOW_NOT_FOUND', `no flow ${flowId}${repo !== undefined ? ` in ${repo}` : ''}`);
    }
    if (repos.length > 1) {
      throw new FloeError('FLOE_FLOW_AMBIGUOUS', `flow ${flowId} is in ${repos.join(', ')}; say which with "repo"`);
    }
    return repos[0] as string;
  };

  return {
    async flowTrends(flowId, query = {}) {
      const repo = await repoOf(flowId, query.repo);
      const page = await store.listRuns({ repo, flowId, state: 'archived', limit: query.last ?? 50 });
      return flowTrends(repo, flowId, page.runs);
    },

    async deliveries(flowId, query = {}) {
      const repo = await repoOf(flowId, query.repo);
      return (await store.notifications.list({ repo, flowId, limit: 50 })).map((row) => ({
        id: row.id,
        runId: row.runId,
        repo: row.repo,
        flowId: row.flowId,
        target: row.target,
        url: row.url,
        format: row.format,
        signed: row.secretName !== undefined,
        state: row.state,
        attempts: row.attempts,
        ...(row.state === 'pending' ? { nextAt: row.nextAt } : {}),
        createdAt: row.createdAt,
        log: row.log,
      }));
    },

    async lastResult(repo, flowId, ref) {
      if (!(await store.getFlow(repo, flowId))) return 'unknown';
      const fullRef =
        ref === undefined || ref === ''
          ? (await store.getRepo(repo))?.defaultRef
          : ref.startsWith('refs/')
            ? ref
            : `refs/heads/${ref}`;
      const page = await store.listRuns({
        repo,
        flowId,
        state: 'archived',
        limit: 1,
        ...(fullRef !== undefined ? { ref: fullRef } : {}),
      });
      return page.runs[0]?.result ?? 'none';
    },
  };
}
