import type { Probot } from 'probot';
import type { GithubAppParts } from './github-app-parts.js';
import type { RepositoryPayload } from './github-repos.js';
import { githubUser, latestPerFlow, retryRuns } from './github-runs.js';

/** "Re-run" on a check run retries its run; on a check suite, the newest run of each flow at that commit. */
export function onCheckRerequest(app: Probot, { hub, firstDelivery, sourceOf }: GithubAppParts): void {
  app.on('check_run.rerequested', async (context) => {
    if (!(await firstDelivery(context))) return;
    const runId = context.payload.check_run.external_id;
    const run = runId ? await hub.store.getRun(runId) : undefined;
    if (!run || run.repo !== context.payload.repository.full_name) return;
    await sourceOf(context, context.payload.repository as RepositoryPayload);
    await retryRuns(hub, [run], githubUser(context.payload.sender.login), context.log);
  });

  app.on('check_suite.rerequested', async (context) => {
    if (!(await firstDelivery(context))) return;
    const { repository, check_suite: suite } = context.payload;
    await sourceOf(context, repository as RepositoryPayload);
    const runs = (await hub.store.listRuns({ repo: repository.full_name, limit: 500 })).runs.filter(
      (run) => run.sha === suite.head_sha,
    );
    await retryRuns(hub, latestPerFlow(runs), githubUser(context.payload.sender.login), context.log);
  });
}
