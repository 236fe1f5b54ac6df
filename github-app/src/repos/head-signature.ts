import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Where a repository keeps HEAD (its git dir) and its refs (the common dir, which worktrees share). */
export type GitDirs = { gitDir: string; commonDir: string };

/**
 * A fingerprint of what `git rev-parse HEAD` reads: the text of HEAD and of the loose branch file it names, and
 * the identity (inode, size, modification time) of packed-refs and of the reftable list. Git never edits these
 * files in place — it writes a lock file and renames it — so while the fingerprint is unchanged, HEAD names the
 * same commit, and the hub need not start a git process (3 ms of every run started without a ref). Undefined
 * when it cannot tell (unreadable HEAD, a branch that is itself a symbolic ref): ask git.
 */
export function headSignature(dirs: GitDirs): string | undefined {
  const head = readSmall(path.join(dirs.gitDir, 'HEAD'));
  if (head === undefined) return undefined;
  const parts = [head];
  const target = /^ref: (refs\/\S+)\s*$/.exec(head)?.[1];
  if (target !== undefined) {
    if (target.split('/').includes('..')) return undefined;
    const loose = readSmall(path.join(dirs.commonDir, target));
    if (loose?.startsWith('ref:')) return undefined;
    parts.push(loose ?? '-');
  }
  parts.push(identity(path.join(dirs.commonDir, 'packed-refs')));
  parts.push(identity(path.join(dirs.commonDir, 'reftable', 'tables.list')));
  return parts.join('\0');
}

function readSmall(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function identity(file: string): string {
  const stat = statSync(file, { bigint: true, throwIfNoEntry: false });
  return stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}` : '-';
}
