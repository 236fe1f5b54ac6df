// A GitHub repository as a source of FLOE.yaml (repos/repo-source.ts): files are read through the API at an exact
// commit (DESIGN §6: read at that commit through GitHub's API), never from a clone on the hub, and runners
// clone from the `clone_url` GitHub sends, with a token minted for the run (RunSpec.token; installation-tokens.ts).
import type { Trust } from '@floe/shared';
import type { ProbotOctokit } from 'probot';
import { CommitFileCache } from '../repos/commit-file-cache.js';
import type { RepoSource, ResolvedRef } from '../repos/repo-source.js';

export type GithubRepoSourceOptions = {
  /** `owner/name`. */
  fullName: string;
  /** The payload's `repository.clone_url`. */
  cloneUrl: string;
  installationId: number;
  /** The payload's `repository.private`; unknown counts as private (a run's checkout then gets its token). */
  private?: boolean;
  /** An Octokit whose tokens are scoped to this repository (installation-tokens.ts `octokitFor`). */
  octokit: () => Promise<ProbotOctokit>;
  /** Mints a token for one run: this repository, `contents: read` (installation-tokens.ts `mint`). */
  runToken: () => Promise<string>;
};

export class GithubRepoSource implements RepoSource {
  readonly name: string;
  readonly cloneUrl: string;
  readonly installationId: number;
  readonly private: boolean;
  readonly owner: string;
  readonly repo: string;
  private readonly octokitOf: () => Promise<ProbotOctokit>;
  private readonly runToken: () => Promise<string>;
  private readonly files = new CommitFileCache();

  constructor(options: GithubRepoSourceOptions) {
    this.name = options.fullName;
    this.cloneUrl = options.cloneUrl;
    this.installationId = options.installationId;
    this.private = options.private ?? true;
    this.runToken = options.runToken;
    const [owner = '', repo = ''] = options.fullName.split('/');
    this.owner = owner;
    this.repo = repo;
    this.octokitOf = options.octokit;
  }

  octokit(): Promise<ProbotOctokit> {
    return this.octokitOf();
  }

  async head(): Promise<{ ref: string; sha: string } | undefined> {
    const octokit = await this.octokit();
    const { data } = await octokit.rest.repos.get({ owner: this.owner, repo: this.repo });
    const resolved = await this.resolveRef(data.default_branch);
    return resolved && { ref: `refs/heads/${data.default_branch}`, sha: resolved.sha };
  }

  async resolveRef(ref: string): Promise<ResolvedRef | undefined> {
    const octokit = await this.octokit();
    try {
      const full = /^[0-9a-f]{40}$/i.test(ref) ? undefined : ref.startsWith('refs/') ? ref : await this.fullRefOf(ref);
      // The commits API takes `heads/main` or `tags/v1` for a ref, and a sha (or its prefix) as it is.
      const asked = full ? full.replace(/^refs\//, '') : ref;
      const { data } = await octokit.rest.repos.getCommit({ owner: this.owner, repo: this.repo, ref: asked });
      return full ? { sha: data.sha, ref: full } : { sha: data.sha };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A short name's full ref, tags first as git resolves it (so `v1.0` is a tag, `main` a branch); else undefined. */
  private async fullRefOf(name: string): Promise<string | undefined> {
    const octokit = await this.octokit();
    for (const kind of ['tags', 'heads']) {
      try {
        await octokit.rest.git.getRef({ owner: this.owner, repo: this.repo, ref: `${kind}/${name}` });
        return `refs/${kind}/${name}`;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return undefined;
  }

  readFile(sha: string, path: string): Promise<string | undefined> {
    return this.files.get(sha, path, () => this.getContent(sha, path));
  }

  private async getContent(sha: string, path: string): Promise<string | undefined> {
    const octokit = await this.octokit();
    try {
      const { data } = await octokit.rest.repos.getContent({ owner: this.owner, repo: this.repo, path, ref: sha });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      return Buffer.from(data.content, 'base64').toString('utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * A token minted for one run (about an hour long), for this repository with `contents: read`: the runner's git
   * fetches with it and masks it (DESIGN §6). An untrusted run of a public repository clones without one.
   */
  async cloneToken(run: { trust: Trust }): Promise<string | undefined> {
    if (run.trust === 'untrusted' && !this.private) return undefined;
    return this.runToken();
  }

  /**
   * Whether the default branch holds the commit (the compare API: the commit is behind or at its head). Other
   * branches are not searched: a run named by a bare commit off the default branch runs untrusted.
   */
  async holdsCommit(sha: string): Promise<boolean> {
    if (!/^[0-9a-f]{40}$/i.test(sha)) return false;
    const octokit = await this.octokit();
    try {
      const { data: repo } = await octokit.rest.repos.get({ owner: this.owner, repo: this.repo });
      const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
        owner: this.owner,
        repo: this.repo,
        basehead: `${repo.default_branch}...${sha}`,
        per_page: 1,
      });
      return data.status === 'identical' || data.status === 'behind';
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { status?: number }).status === 404;
}
