import { join } from 'node:path';

/**
 * Where a run's workspace lives under the runner's work directory: `<workDir>/runs/<flowId>-<runId>` (one per run, kept
 * after it until sweep-workspaces.ts removes it, untouched for 7 days), or with `reuse-space`
 * `<workDir>/flows/<flowId>/ws` (one per flow, kept between runs: DESIGN §3 rule 6). A per-run workspace in a spare
 * sandbox lives in its box while the run runs, and here after (prepare-workspace.ts). Ids are reduced to
 * `[A-Za-z0-9._-]` so no id can climb out of workDir.
 */
export function workspacePath(workDir: string, flow: { id: string; 'reuse-space'?: boolean }, runId: string): string {
  const flowId = safeSegment(flow.id);
  return flow['reuse-space']
    ? join(workDir, 'flows', flowId, 'ws')
    : join(workDir, 'runs', `${flowId}-${safeSegment(runId)}`);
}

function safeSegment(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.*$/.test(safe) ? `_${safe}` : safe;
}
