// Test helper (not exported): real git repositories in a temp folder (CONTRIBUTING.md "Real parts, not mocks").
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export class TestRepo {
  constructor(readonly path: string) {}

  /** Writes files, commits them on the current branch, returns the commit. */
  commit(files: Record<string, string>, message = 'change'): string {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(this.path, name)), { recursive: true });
      writeFileSync(path.join(this.path, name), text);
    }
    git(this.path, 'add', '-A');
    git(this.path, 'commit', '-q', '--allow-empty', '-m', message);
    return git(this.path, 'rev-parse', 'HEAD');
  }

  /** Creates (or moves) a branch at HEAD without switching to it. */
  branch(name: string): string {
    git(this.path, 'branch', '-f', name);
    return git(this.path, 'rev-parse', 'HEAD');
  }

  /** A bare clone beside it (what a hub usually reads from). */
  bareClone(to: string): string {
    git(path.dirname(to), 'clone', '-q', '--bare', this.path, to);
    return to;
  }
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A new repository (branch main) with these files committed. */
export function makeRepo(parent: string, name: string, files: Record<string, string>): TestRepo {
  const dir = path.join(parent, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  const repo = new TestRepo(dir);
  repo.commit(files, 'first');
  return repo;
}
