// Runs as the GitHub App starts and retries them: from the flows at a commit, cancelling superseded ones.
import { type Me, parseFloeFile, type ResolvedFlow } from '@floe/shared';
import type { Logger } from 'pino';
import { FloeError } from '../errors.js';
import type { Hub } from '../hub.js';
import { FLOE_FILE } from '../repos/read-flows-at.js';
import type { RunRow } from '../store/store.js';
import type { GithubRepoSource } from './github-repo-source.js';
import type { FlowMatch } from './match-github-triggers.js';
import { reportFloeYaml } from './report-floe-yaml.js';

/** The flows at a commit that have no errors; errors get the failing "FLOE.yaml" check run. */
export async function flowsAt(source: GithubRepoSource, sha: string, log: Logger): Promise<ResolvedFlow[]> {
  const text = await source.readFile(sha, FLOE_FILE);
  if (text === undefined) return [];
  const parsed = parseFloeFile(text, FLOE_FILE);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) {
    log.info({ diagnostics: parsed.diagnostics.length }, 'FLOE.yaml has errors');
    await reportFloeYaml(await source.octokit(), { owner: source.owner, repo: source.repo, sha }, parsed.diagnostics);
  }
  return parsed.flows;
}

/** Starts a run of each matched flow; a run the hub refuses is a problem to report, not a failure. */
export async function startRuns(
  hub: Hub,
  source: GithubRepoSource,
  matches: FlowMatch[],
  at: {
    ref: string;
    sha: string;
    trigger: string;
    by: string;
    data?: Record<string, string>;
    /** A fork's code is untrusted (docs/security.md), even when a writer started it. */
    fork?: { cloneUrl?: string };
    /** The branch a pull request targets (an untrusted run takes its tags from the flow there). */
    baseRef?: string;
    log: Logger;
  },
): Promise<{ started: RunRow[]; problems: string[] }> {
  const started: RunRow[] = [];
  const problems: string[] = [];
  for (const { flow, trigger } of matches) {
    try {
      const run = await hub.createRun({
        flowId: flow.id,
        repo: source.name,
        ref: at.ref,
        sha: at.sha,
        trigger: {
          type: at.trigger,
          id: trigger.id,
          by: at.by,
          ...(at.fork?.cloneUrl ? { headCloneUrl: at.fork.cloneUrl } : {}),
        },
        ...(at.fork ? { trust: 'untrusted' as const } : {}),
        ...(at.baseRef !== undefined ? { baseRef: at.baseRef } : {}),
        ...(at.data && Object.keys(at.data).length > 0 ? { data: at.data } : {}),
      });
      started.push(run);
      if (flow['cancel-superseded']) await cancelSuperseded(hub, run, at.log);
    } catch (err) {
      if (!(err instanceof FloeError)) throw err;
      at.log.warn({ err, flowId: flow.id }, 'could not start a run');
      problems.push(err.message);
    }
  }
  return { started, problems };
}

/** `cancel-superseded: true`: older pending or active runs of the flow on the same branch or PR end. */
async function cancelSuperseded(hub: Hub, run: RunRow, log: Logger) {
  const older = (await hub.store.listLiveRuns()).filter(
    (r) => r.repo === run.repo && r.flowId === run.flowId && r.ref === run.ref && r.id < run.id,
  );
  for (const old of older) {
    try {
      await hub.cancelRun(old.id, { name: `superseded by run #${run.number}`, role: 'operator' });
      log.info({ runId: old.id, by: run.id }, 'superseded run cancelled');
    } catch (err) {
      log.warn({ err, runId: old.id }, 'could not cancel a superseded run');
    }
  }
}

/** Retries each run (from its start); the ones that could not be are logged. */
export async function retryRuns(hub: Hub, runs: RunRow[], by: Me, log: Logger) {
  const done: { from: RunRow; to: RunRow }[] = [];
  for (const run of runs) {
    try {
      const id = await hub.retryRun(run.id, undefined, by);
      const to = await hub.store.getRun(id);
      if (to) done.push({ from: run, to });
    } catch (err) {
      log.warn({ err, runId: run.id }, 'could not retry a run');
    }
  }
  return done;
}

/** Who a GitHub user is to the hub's audit and runs. */
export function githubUser(login: string): Me {
  return { name: `github:${login}`, role: 'operator' };
}

/** Newest first in, the newest run of each flow out. */
export function latestPerFlow(runs: RunRow[]): RunRow[] {
  const seen = new Set<string>();
  return runs.filter((run) => !seen.has(run.flowId) && seen.add(run.flowId));
}
