import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';

/** The repository holding a file, as a local run uses it: git-checkout clones `topDir` at `sha` by default. */
export interface LocalGit {
  /** The folder's name (DESIGN §8 "Starting runs": a local repository is known by its folder's name). */
  repo: string;
  topDir: string;
  sha: string;
  /** The current branch, when HEAD is on one. */
  ref?: string;
}

/**
 * The git repository holding `file` at its HEAD; undefined when the file is not in one (or it has no commit, or
 * git is not installed). Plain `git rev-parse` rather than simple-git: importing simple-git costs a local run
 * ~180 ms of start-up for two one-line answers (issue 2 benchmark a counts start-up).
 */
export async function localGit(file: string): Promise<LocalGit | undefined> {
  const cwd = dirname(file);
  const [top, sha] = (await git(cwd, ['rev-parse', '--show-toplevel', 'HEAD']))?.split('\n') ?? [];
  if (!top || !sha) return undefined;
  const branch = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return { repo: basename(top), topDir: top, sha, ...(branch ? { ref: branch } : {}) };
}

/** The trimmed output of a git command, or undefined when it fails. */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
  });
}
