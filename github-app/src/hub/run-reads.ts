import type { FlakyTest, FlowSummary, RunDetail, RunSummary, RunsPage, RunsQuery } from '@floe/shared';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { FloeError } from '../errors.js';
import { flakyTests } from '../runs/flaky-tests.js';
import type { HubDeps } from '../runs/hub-deps.js';
import { toRunDetail } from '../runs/run-detail.js';
import { toRunSummary } from '../runs/run-summary.js';
import type { RunRow } from '../store/store.js';

export type LogText = { text: string; next: number; complete: boolean };

export interface RunReads {
  flows(): Promise<FlowSummary[]>;
  /** Tests of a flow that failed and then passed in a retry at the same commit (runs/flaky-tests.ts). */
  flakyTests(flowId: string, repo?: string): Promise<FlakyTest[]>;
  /** `GET /api/runs`: the API's query (shared/src/api/runs-api.ts). */
  runs(query?: RunsQuery): Promise<RunsPage>;
  /** Throws FLOE_RUN_NOT_FOUND. */
  run(runId: string): Promise<RunDetail>;
  runSummary(runId: string): Promise<RunSummary | undefined>;
  /** A node's log from a byte offset. Throws FLOE_RUN_NOT_FOUND / FLOE_NODE_NOT_FOUND. */
  readLog(runId: string, node: string, from: number): Promise<LogText>;
  /** Why a pending run still waits, as a sentence; undefined when it is not pending. */
  whyPending(runId: string): Promise<string | undefined>;
}

const FINISHED = new Set(['good', 'bad', 'error', 'cancelled', 'skipped']);

/** Flows and runs as the API shows them: summaries name the runner and say why a pending run waits. */
export function runReads(
  deps: Pick<HubDeps, 'store' | 'connections'>,
  dispatcher: Pick<Dispatcher, 'reasonFor' | 'whyPending'>,
): RunReads {
  const { store, connections } = deps;
  // Runner names outlive their runners (a removed runner's runs still name it); read once each.
  const runnerNames = new Map<string, string>();
  const extrasOf = async (run: RunRow) => {
    let runner: string | undefined;
    if (run.runnerId !== undefined) {
      runner = connections.get(run.runnerId)?.name ?? runnerNames.get(run.runnerId);
      if (runner === undefined) {
        runner = (await store.getRunner(run.runnerId))?.name ?? run.runnerId;
        runnerNames.set(run.runnerId, runner);
      }
    }
    const pendingReason = run.state === 'pending' ? dispatcher.reasonFor(run.id) : undefined;
    return { ...(runner !== undefined ? { runner } : {}), ...(pendingReason !== undefined ? { pendingReason } : {}) };
  };
  const summaryOf = async (run: RunRow) => toRunSummary(run, await extrasOf(run));
  const mustRun = async (runId: string) => {
    const run = await store.getRun(runId);
    if (!run) throw new FloeError('FLOE_RUN_NOT_FOUND', `no run ${runId}`);
    return run;
  };

  return {
    async flows() {
      return (await store.listFlows()).map((flow) => ({
        id: flow.id,
        ver: flow.ver,
        name: flow.name,
        repo: flow.repo,
        triggers: flow.triggers as FlowSummary['triggers'],
        ...(flow.errors.length > 0 ? { errors: flow.errors } : {}),
      }));
    },

    flakyTests: (flowId, repo) => flakyTests(store, flowId, repo),

    async runs(query = {}) {
      const page = await store.listRuns({
        ...(query.state !== undefined ? { state: query.state } : {}),
        ...(query.flow !== undefined ? { flowId: query.flow } : {}),
        ...(query.repo !== undefined ? { repo: query.repo } : {}),
        ...(query.ref !== undefined ? { ref: query.ref } : {}),
        ...(query.result !== undefined ? { result: query.result } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      const runs = await Promise.all(page.runs.map(summaryOf));
      return page.next !== undefined ? { runs, next: page.next } : { runs };
    },

    async run(runId) {
      const run = await mustRun(runId);
      return toRunDetail(run, await extrasOf(run), await store.listReports(runId));
    },

    async runSummary(runId) {
      const run = await store.getRun(runId);
      return run && summaryOf(run);
    },

    async readLog(runId, node, from) {
      const run = await mustRun(runId);
      if (!run.flow.tasks.some((task) => task.id === node)) {
        throw new FloeError('FLOE_NODE_NOT_FOUND', `run #${run.number} of ${run.flowId} has no node ${node}`);
      }
      const read = await store.readLog(runId, node, from);
      const state = run.engine?.nodes[node]?.state;
      const complete = run.state === 'archived' || (state !== undefined && FINISHED.has(state));
      return { text: read.chunks.map((chunk) => chunk.text).join(''), next: read.next, complete };
    },

    whyPending: (runId) => dispatcher.whyPending(runId),
  };
}
