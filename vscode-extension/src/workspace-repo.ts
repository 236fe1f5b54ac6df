// Which repository and branch the workspace is on, read from `.git` directly: the extension depends on no other
// extension (issue 6), so not on the built-in Git extension either. Never throws: an unreadable `.git` gives
// undefined values.
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface WorkspaceRepo {
  /** Names the hub may know this repository by, best first: `owner/name` of `origin` on GitHub, the folder name. */
  names: string[];
  /** The checked-out branch, undefined on a detached HEAD or without git. */
  branch: string | undefined;
}

export async function readWorkspaceRepo(folder: string): Promise<WorkspaceRepo> {
  const names: string[] = [];
  let branch: string | undefined;
  const gitDir = await findGitDir(folder);
  if (gitDir !== undefined) {
    const head = await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => '');
    branch = /^ref: refs\/heads\/(.+)$/m.exec(head)?.[1]?.trim();
    const config = await readFile(join(gitDir, 'config'), 'utf8').catch(() => '');
    const origin = /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/.exec(config)?.[1];
    const github = origin && /github\.com[:/]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(origin)?.[1];
    if (github) names.push(github);
  }
  names.push(basename(folder));
  return { names, branch };
}

/** `.git` of the folder: a directory, or a `gitdir:` file (worktrees, submodules). */
async function findGitDir(folder: string): Promise<string | undefined> {
  const dotGit = join(folder, '.git');
  const info = await stat(dotGit).catch(() => undefined);
  if (info?.isDirectory()) return dotGit;
  if (info?.isFile()) {
    const pointer = /^gitdir:\s*(.+)$/m.exec(await readFile(dotGit, 'utf8').catch(() => ''))?.[1]?.trim();
    if (pointer) return pointer.startsWith('/') ? pointer : join(folder, pointer);
  }
  return undefined;
}
