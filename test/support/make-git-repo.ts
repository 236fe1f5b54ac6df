import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Author and committer for test commits, so that git works without a global config. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'floe test',
  GIT_AUTHOR_EMAIL: 'test@floe.invalid',
  GIT_COMMITTER_NAME: 'floe test',
  GIT_COMMITTER_EMAIL: 'test@floe.invalid',
};

/**
 * Makes a git repository in `dir` (branch main) with `files` (path → text) in one commit; returns the commit's
 * sha. Call again with more files to add a commit.
 */
export function makeGitRepo(dir: string, files: Record<string, string>, message = 'test commit'): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, '.git'))) git('init', '-q', '-b', 'main');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}
