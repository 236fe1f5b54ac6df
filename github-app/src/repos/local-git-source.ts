import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { CommitFileCache } from './commit-file-cache.js';
import { type GitDirs, headSignature } from './head-signature.js';
import { isRemoteUrl } from './parse-repo-spec.js';
import type { RepoSource, ResolvedRef } from './repo-source.js';

export type LocalGitSourceOptions = {
  name: string;
  /** A local repository (bare or not), or a URL that is mirrored under `mirrorsDir`. */
  url: string;
  /** Where URL repositories are mirrored: `<dataDir>/mirrors`. */
  mirrorsDir: string;
};

const SHA = /^[0-9a-f]{7,64}$/i;

/**
 * A repository read with git (`--repo`, DESIGN §8): `git show <sha>:FLOE.yaml` works on bare repositories and
 * on working copies alike. A URL is cloned once into a bare mirror and fetched before refs are resolved, so a
 * run always reads the commit its ref points at now.
 */
export class LocalGitSource implements RepoSource {
  readonly name: string;
  readonly cloneUrl: string;
  private readonly dir: string;
  private readonly remote: boolean;
  private ready: Promise<void> | undefined;
  private readonly files = new CommitFileCache();
  private gitDirs: Promise<GitDirs | undefined> | undefined;
  /** The last answer of head(), valid while the files git read for it are unchanged (head-signature.ts). */
  private lastHead: { signature: string; value: { ref: string; sha: string } } | undefined;

  constructor(options: LocalGitSourceOptions) {
    this.name = options.name;
    this.cloneUrl = options.url;
    this.remote = isRemoteUrl(options.url);
    this.dir = this.remote ? path.join(options.mirrorsDir, `${options.name}.git`) : options.url;
  }

  private git() {
    return simpleGit({ baseDir: this.dir, timeout: { block: 60_000 } });
  }

  /** Mirrors a URL repository (first call) or fetches it (later calls); nothing for a local one. */
  private async sync(): Promise<void> {
    if (!this.remote) return;
    if (!this.ready) {
      this.ready = (async () => {
        if (!existsSync(this.dir)) {
          await mkdir(path.dirname(this.dir), { recursive: true });
          await simpleGit().clone(this.cloneUrl, this.dir, ['--mirror']);
        }
      })();
    }
    try {
      await this.ready;
    } catch (err) {
      this.ready = undefined;
      throw err;
    }
    await this.git().raw(['remote', 'update', '--prune']);
  }

  async head(): Promise<{ ref: string; sha: string } | undefined> {
    await this.sync();
    // Taken before git runs: a ref that moves meanwhile changes the next signature, so it is never missed.
    const dirs = this.remote ? undefined : await this.dirs();
    const signature = dirs ? headSignature(dirs) : undefined;
    if (signature !== undefined && this.lastHead?.signature === signature) return this.lastHead.value;
    // One git process for both answers: every run started without a ref asks this (a detached HEAD has no ref).
    const out = await this.git()
      .raw(['rev-parse', 'HEAD^{commit}', '--symbolic-full-name', 'HEAD'])
      .catch(() => '');
    const [sha, ref] = out.trim().split('\n');
    const value = sha && SHA.test(sha) && ref?.startsWith('refs/') ? { ref, sha } : undefined;
    this.lastHead = value && signature !== undefined ? { signature, value } : undefined;
    return value;
  }

  /** The repository's git and common dirs (asked once; they do not move while the hub runs). */
  private dirs(): Promise<GitDirs | undefined> {
    this.gitDirs ??= this.git()
      .raw(['rev-parse', '--absolute-git-dir', '--git-common-dir'])
      .then(
        (out) => {
          const [gitDir, commonDir] = out.trim().split('\n');
          return gitDir && commonDir ? { gitDir, commonDir: path.resolve(this.dir, commonDir) } : undefined;
        },
        () => undefined,
      );
    return this.gitDirs;
  }

  async resolveRef(ref: string): Promise<ResolvedRef | undefined> {
    // A ref from a request reaches git as an argument: never let it pass for an option.
    if (ref.startsWith('-') || ref.includes('..')) return undefined;
    await this.sync();
    const full = (
      await this.git()
        .raw(['rev-parse', '--symbolic-full-name', ref])
        .catch(() => '')
    ).trim();
    const sha = await this.commitOf(full.startsWith('refs/') ? full : ref);
    if (!sha) return undefined;
    return full.startsWith('refs/') ? { sha, ref: full } : { sha };
  }

  async holdsCommit(sha: string): Promise<boolean> {
    if (!SHA.test(sha)) return false;
    await this.sync();
    const out = await this.git()
      .raw(['for-each-ref', '--count=1', '--format=%(refname)', `--contains=${sha}`, 'refs/heads', 'refs/tags'])
      .catch(() => '');
    return out.trim() !== '';
  }

  readFile(sha: string, file: string): Promise<string | undefined> {
    return this.files.get(sha, file, () => this.show(sha, file));
  }

  private async show(sha: string, file: string): Promise<string | undefined> {
    if (!SHA.test(sha) || file.startsWith('-')) return undefined;
    const clean = path.posix.normalize(file.replace(/^\.\//, ''));
    if (clean.startsWith('../') || clean === '..' || path.posix.isAbsolute(clean)) return undefined;
    try {
      return await this.git().raw(['show', `${sha}:${clean}`]);
    } catch {
      return undefined;
    }
  }

  private async commitOf(rev: string): Promise<string | undefined> {
    const out = await this.git()
      .raw(['rev-parse', '--verify', '-q', `${rev}^{commit}`])
      .catch(() => '');
    const sha = out.trim();
    return sha === '' ? undefined : sha;
  }
}
