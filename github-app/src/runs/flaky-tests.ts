// Flaky tests of a flow (docs/api.md `GET /api/flows/:flowId/flaky-tests`): a test that failed in a run and
// passed in a retry of that run at the same commit. "Passed" needs the retry to have run that node's tests again
// (a test report of the same node with tests in it, where the test is not among the failed): a node replayed by a
// retry from a later node ran nothing, and proves nothing.
import type { FlakyTest, TestReport } from '@floe/shared';
import type { ReportRow, RunRow, Store } from '../store/store.js';

/** How many of the flow's latest archived runs are looked at. */
const RUNS_LOOKED_AT = 100;

export async function flakyTests(
  store: Pick<Store, 'listRuns' | 'getRun' | 'listReports'>,
  flowId: string,
  repo: string | undefined,
): Promise<FlakyTest[]> {
  const page = await store.listRuns({
    flowId,
    state: 'archived',
    limit: RUNS_LOOKED_AT,
    ...(repo !== undefined ? { repo } : {}),
  });
  const byId = new Map(page.runs.map((run) => [run.id, run]));
  const out: FlakyTest[] = [];
  for (const retry of page.runs) {
    if (retry.retryOf === undefined || retry.sha === undefined) continue;
    const original = byId.get(retry.retryOf) ?? (await store.getRun(retry.retryOf));
    if (original?.sha !== retry.sha) continue;
    const [before, after] = await Promise.all([store.listReports(original.id), store.listReports(retry.id)]);
    out.push(...flakyBetween(original, before, retry, after));
  }
  return out;
}

/** The tests failed in `original`'s reports that its `retry` ran again and did not fail. Pure. */
export function flakyBetween(original: RunRow, before: ReportRow[], retry: RunRow, after: ReportRow[]): FlakyTest[] {
  const key = (node: string, test: { classname?: string; name: string }) =>
    `${node}\u0000${test.classname ?? ''}\u0000${test.name}`;
  const rerun = new Set<string>();
  const failedAgain = new Set<string>();
  for (const { node, report } of after) {
    if (report.type !== 'tests' || report.tests === 0) continue;
    rerun.add(node);
    for (const test of report.failed) failedAgain.add(key(node, test));
  }
  const out: FlakyTest[] = [];
  const seen = new Set<string>();
  for (const { node, report } of before) {
    if (report.type !== 'tests' || !rerun.has(node)) continue;
    for (const test of (report as TestReport).failed) {
      const id = key(node, test);
      if (failedAgain.has(id) || seen.has(id)) continue;
      seen.add(id);
      out.push({
        node,
        name: test.name,
        ...(test.classname !== undefined ? { classname: test.classname } : {}),
        ...(test.file !== undefined ? { file: test.file } : {}),
        sha: retry.sha as string,
        failedRun: { id: original.id, number: original.number },
        passedRun: { id: retry.id, number: retry.number },
      });
    }
  }
  return out;
}
