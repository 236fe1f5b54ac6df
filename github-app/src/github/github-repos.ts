// The GitHub repositories this hub serves, by `owner/name`: each is a GithubRepoSource added to the hub's sources
// (so create-run, refresh-flows and the API read them like any repository) when a webhook names it. Each is
// remembered in the store with its installation (`store.github`, store/github-state.ts), so a restarted
// hub knows them again: listing an installation's repositories would need a token for all of them, and every
// token this hub asks for names one repository (installation-tokens.ts).
import type { Probot } from 'probot';
import type { Hub } from '../hub.js';
import type { RememberedRepo } from '../store/github-state.js';
import { GithubRepoSource } from './github-repo-source.js';
import { InstallationTokens, RUN_PERMISSIONS } from './installation-tokens.js';

/** What a webhook says of a repository. */
export type RepositoryPayload = { full_name: string; clone_url: string; private?: boolean };

type Remembered = RememberedRepo;

export class GithubRepos {
  private readonly byName = new Map<string, GithubRepoSource>();
  readonly tokens: InstallationTokens;

  constructor(
    private readonly hub: Hub,
    private readonly probot: Probot,
  ) {
    this.tokens = new InstallationTokens(() => probot.auth());
  }

  get(fullName: string): GithubRepoSource | undefined {
    return this.byName.get(fullName);
  }

  /**
   * The source of a repository of an installation, made (or its clone URL refreshed) from a webhook payload, and
   * remembered in the store.
   */
  async ensure(repository: RepositoryPayload, installationId: number): Promise<GithubRepoSource> {
    const known = this.byName.get(repository.full_name);
    if (
      known &&
      known.cloneUrl === repository.clone_url &&
      known.installationId === installationId &&
      (repository.private === undefined || known.private === repository.private)
    ) {
      return known;
    }
    const remembered: Remembered = {
      installationId,
      cloneUrl: repository.clone_url,
      ...(repository.private !== undefined ? { private: repository.private } : {}),
    };
    const source = this.add(repository.full_name, remembered);
    const stored = await this.hub.store.github.getRepo(source.name);
    // Another hub writing it meanwhile wrote the same facts from another webhook: either is right.
    await this.hub.store.github.putRepo(source.name, remembered, stored?.version);
    return source;
  }

  private add(fullName: string, remembered: Remembered): GithubRepoSource {
    const { installationId } = remembered;
    const source = new GithubRepoSource({
      fullName,
      cloneUrl: remembered.cloneUrl,
      installationId,
      ...(remembered.private !== undefined ? { private: remembered.private } : {}),
      octokit: () => this.tokens.octokitFor(installationId, fullName),
      runToken: () => this.tokens.mint({ installationId, fullName, permissions: RUN_PERMISSIONS, fresh: true }),
    });
    this.byName.set(source.name, source);
    this.hub.addSource(source);
    return source;
  }

  /**
   * Adds every remembered repository whose installation still exists (listed with the App's JWT): a restarted hub
   * knows its repositories again. A repository added to an installation while no hub ran is known from its first
   * webhook on.
   */
  async loadInstallations(): Promise<GithubRepoSource[]> {
    const app = await this.probot.auth();
    const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
    const live = new Set(installations.map((installation) => installation.id));
    const added: GithubRepoSource[] = [];
    for (const repo of await this.hub.store.listRepos()) {
      const remembered = (await this.hub.store.github.getRepo(repo.name))?.value;
      if (remembered && live.has(remembered.installationId)) added.push(this.add(repo.name, remembered));
    }
    return added;
  }
}
