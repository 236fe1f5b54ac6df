import type { Probot } from 'probot';
import type { GithubAppParts } from './github-app-parts.js';
import type { RepositoryPayload } from './github-repos.js';
import { flowsAt, startRuns } from './github-runs.js';
import { matchPullRequest } from './match-github-triggers.js';

/**
 * A pull request opened, pushed to or reopened: its flows run at the head commit under refs/pull/N/head. One from
 * a fork runs nothing until a writer comments `/floe run` (on-comment.ts; docs/security.md).
 */
export function onPullRequest(app: Probot, { hub, firstDelivery, sourceOf }: GithubAppParts): void {
  app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], async (context) => {
    if (!(await firstDelivery(context))) return;
    const { payload } = context;
    const pr = payload.pull_request;
    const source = await sourceOf(context, payload.repository as RepositoryPayload);
    const log = context.log.child({ repo: source.name, pr: pr.number, sha: pr.head.sha });
    if (pr.head.repo?.full_name !== payload.repository.full_name) {
      log.info('pull request from a fork: waiting for /floe run from someone with write access');
      return;
    }
    const flows = await flowsAt(source, pr.head.sha, log);
    const matches = matchPullRequest(flows, { action: payload.action, baseBranch: pr.base.ref });
    await startRuns(hub, source, matches, {
      ref: `refs/pull/${pr.number}/head`,
      sha: pr.head.sha,
      trigger: 'pull-request',
      by: payload.sender.login,
      baseRef: pr.base.ref,
      log,
    });
  });
}
