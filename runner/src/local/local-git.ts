import { basename, dirname } from 'node:path';
import { simpleGit } from 'simple-git';

/** The repository holding a file, as a local run uses it: git-checkout clones `topDir` at `sha` by default. */
export interface LocalGit {
  /** The folder's name (DESIGN §8 "Starting runs": a local repository is known by its folder's name). */
  repo: string;
  topDir: string;
  sha: string;
  /** The current branch, when HEAD is on one. */
  ref?: string;
}

/** The git repository holding `file` at its HEAD; undefined when the file is not in one (or it has no commit). */
export async function localGit(file: string): Promise<LocalGit | undefined> {
  try {
    const git = simpleGit({ baseDir: dirname(file) });
    const topDir = (await git.revparse(['--show-toplevel'])).trim();
    const sha = (await git.revparse(['HEAD'])).trim();
    const branch = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
    return { repo: basename(topDir), topDir, sha, ...(branch ? { ref: branch } : {}) };
  } catch {
    return undefined;
  }
}
