// The GitHub repositories this hub serves, by `owner/name`: each is a GithubRepoSource added to the hub's sources
// (so create-run, refresh-flows and the API read them like any repository) when a webhook names it or, at start,
// when the app's installations list it.
import type { Probot } from 'probot';
import type { Hub } from '../hub.js';
import { GithubRepoSource } from './github-repo-source.js';

export class GithubRepos {
  private readonly byName = new Map<string, GithubRepoSource>();

  constructor(
    private readonly hub: Hub,
    private readonly probot: Probot,
  ) {}

  get(fullName: string): GithubRepoSource | undefined {
    return this.byName.get(fullName);
  }

  /** The source of a repository of an installation, made (or its clone URL refreshed) from a webhook payload. */
  ensure(repository: { full_name: string; clone_url: string }, installationId: number): GithubRepoSource {
    const known = this.byName.get(repository.full_name);
    if (known && known.cloneUrl === repository.clone_url && known.installationId === installationId) return known;
    const source = new GithubRepoSource({
      fullName: repository.full_name,
      cloneUrl: repository.clone_url,
      installationId,
      octokit: () => this.probot.auth(installationId),
    });
    this.byName.set(source.name, source);
    this.hub.addSource(source);
    return source;
  }

  /** Adds every repository of every installation of the app (a restarted hub knows its repositories again). */
  async loadInstallations(): Promise<GithubRepoSource[]> {
    const app = await this.probot.auth();
    const added: GithubRepoSource[] = [];
    const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
    for (const installation of installations) {
      const octokit = await this.probot.auth(installation.id);
      const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
      for (const repo of repos) added.push(this.ensure(repo, installation.id));
    }
    return added;
  }
}
