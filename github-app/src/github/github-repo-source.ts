// A GitHub repository as a source of FLOE.yaml (repos/repo-source.ts): files are read through the API at an exact
// commit (DESIGN §6: "read FLOE.yaml at that commit through the API"), never from a clone on the hub, and runners
// clone from the `clone_url` GitHub sends, with a fresh installation token (RunSpec.token).
import type { ProbotOctokit } from 'probot';
import { CommitFileCache } from '../repos/commit-file-cache.js';
import type { RepoSource, ResolvedRef } from '../repos/repo-source.js';

export type GithubRepoSourceOptions = {
  /** `owner/name`. */
  fullName: string;
  /** The payload's `repository.clone_url`. */
  cloneUrl: string;
  installationId: number;
  /** An Octokit authenticated as the installation (Probot's `app.auth(id)`: it renews its token itself). */
  octokit: () => Promise<ProbotOctokit>;
};

export class GithubRepoSource implements RepoSource {
  readonly name: string;
  readonly cloneUrl: string;
  readonly installationId: number;
  readonly owner: string;
  readonly repo: string;
  private readonly octokitOf: () => Promise<ProbotOctokit>;
  private readonly files = new CommitFileCache();

  constructor(options: GithubRepoSourceOptions) {
    this.name = options.fullName;
    this.cloneUrl = options.cloneUrl;
    this.installationId = options.installationId;
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

  /** An installation access token (about an hour long); the runner clones with it and masks it (DESIGN §6). */
  async cloneToken(): Promise<string | undefined> {
    const octokit = await this.octokit();
    const auth = (await octokit.auth({ type: 'installation' })) as { token?: string };
    return auth.token;
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { status?: number }).status === 404;
}
