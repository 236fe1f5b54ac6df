import type { Probot } from 'probot';
import type { GithubAppParts } from './github-app-parts.js';
import type { RepositoryPayload } from './github-repos.js';
import { flowsAt, startRuns } from './github-runs.js';
import { matchPush } from './match-github-triggers.js';

/** A push payload lists this many commits at most. */
const MAX_LISTED_COMMITS = 20;
/** `[skip ci]` or `[floe skip]` in the head commit's message skips push runs. */
const SKIP = /\[(skip ci|ci skip|floe skip)\]/i;

/** A push: the flows at the pushed commit whose push triggers match run; the default branch's flows are re-read. */
export function onPush(app: Probot, { hub, firstDelivery, sourceOf }: GithubAppParts): void {
  app.on('push', async (context) => {
    if (!(await firstDelivery(context))) return;
    const { payload } = context;
    if (payload.deleted) return;
    const source = await sourceOf(context, payload.repository as RepositoryPayload);
    const log = context.log.child({ repo: source.name, sha: payload.after });
    // DESIGN §6: flows are refreshed from the default branch on every push to it.
    if (payload.ref === `refs/heads/${payload.repository.default_branch}`) await hub.refreshRepos(source.name);
    if (SKIP.test(payload.head_commit?.message ?? '')) {
      log.info('push skipped by its commit message');
      return;
    }
    const flows = await flowsAt(source, payload.after, log);
    // GitHub lists at most 20 commits, and none for a new tag: then the changed files are not known, and
    // `paths` filters let the push through rather than guess.
    const listed = payload.commits.length > 0 && payload.commits.length < MAX_LISTED_COMMITS;
    const changedFiles = listed
      ? payload.commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])])
      : undefined;
    const matches = matchPush(flows, { ref: payload.ref, ...(changedFiles ? { changedFiles } : {}) });
    await startRuns(hub, source, matches, {
      ref: payload.ref,
      sha: payload.after,
      trigger: 'push',
      by: payload.pusher.name ?? payload.sender?.login ?? 'github',
      log,
    });
  });
}
