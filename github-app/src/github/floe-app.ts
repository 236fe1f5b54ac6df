// The GitHub App (DESIGN §6; CONTRIBUTING.md "The GitHub layer stays thin"): a Probot function whose `app.on` lines
// turn webhooks into calls on the hub's run verbs. It reaches GitHub only through the context's (or the installation's)
// Octokit.
// - Every delivery is handled once: its id is claimed in the store first (GitHub redelivers; DESIGN §6).
// - push / pull_request read FLOE.yaml at the exact commit; an invalid one gets a failing "FLOE.yaml" check run,
//   and the flows without errors still run (DESIGN §8 "Lint severities": an error blocks only its own flow).
// - A pull request from a fork runs nothing until a writer comments `/floe run`; the run then takes the code at
//   the pinned head commit from the base repository (refs/pull/N/head) and is untrusted (docs/security.md): no
//   secrets, a fresh workspace, the base branch's tags. Every pull request run is (its ref is under refs/pull/).
// - Every call to GitHub goes through the repository's own Octokit, whose tokens name that one repository
//   (installation-tokens.ts), never the installation-wide token Probot's context would mint.
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { Hub } from '../hub.js';
import type { GithubAppParts } from './github-app-parts.js';
import { GithubRepos, type RepositoryPayload } from './github-repos.js';
import { onCheckRerequest } from './on-check-rerequest.js';
import { onComment } from './on-comment.js';
import { onInstallation } from './on-installation.js';
import { onPullRequest } from './on-pull-request.js';
import { onPush } from './on-push.js';

export type FloeAppOptions = {
  hub: Hub;
  /** Filled by the app function with the repositories webhooks name (the check-run reporter reads it). */
  onRepos?: (repos: GithubRepos) => void;
  /** The base of dashboard links (DESIGN §8 "Links and health"). */
  publicUrl: () => string;
};

/** The app: one module per webhook family (on-*.ts), sharing the delivery check and the repositories. */
export function floeApp(options: FloeAppOptions): ApplicationFunction {
  return (app: Probot) => {
    const { hub } = options;
    const repos = new GithubRepos(hub, app);
    options.onRepos?.(repos);
    const link = (runId: string) => `${options.publicUrl().replace(/\/$/, '')}/runs/${runId}`;

    /** True the first time a delivery id is seen (a compare-and-set in the store, so across hubs too). */
    const firstDelivery = async (context: Context) => {
      const first = await hub.store.github.firstDelivery(context.id, Date.now());
      if (!first) context.log.info({ deliveryId: context.id }, 'delivery seen before; ignored');
      return first;
    };
    const sourceOf = (context: Context, repository: RepositoryPayload) => {
      const installation = (context.payload as { installation?: { id: number } }).installation;
      if (!installation) throw new Error('the webhook has no installation');
      return repos.ensure(repository, installation.id);
    };

    const parts: GithubAppParts = { hub, repos, link, firstDelivery, sourceOf };
    onInstallation(app, parts);
    onPush(app, parts);
    onPullRequest(app, parts);
    onComment(app, parts);
    onCheckRerequest(app, parts);
  };
}
