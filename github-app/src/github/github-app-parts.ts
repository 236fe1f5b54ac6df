import type { Context } from 'probot';
import type { Hub } from '../hub.js';
import type { GithubRepoSource } from './github-repo-source.js';
import type { GithubRepos, RepositoryPayload } from './github-repos.js';

/** What each webhook family of the GitHub App works with (floe-app.ts makes it). */
export type GithubAppParts = {
  hub: Hub;
  repos: GithubRepos;
  /** The dashboard link of a run (DESIGN §8 "Links and health"). */
  link: (runId: string) => string;
  /** True the first time a delivery id is seen (GitHub redelivers; DESIGN §6). */
  firstDelivery: (context: Context) => Promise<boolean>;
  /** The repository a webhook names, as a source of the hub (added at its first webhook). */
  sourceOf: (context: Context, repository: RepositoryPayload) => Promise<GithubRepoSource>;
};
