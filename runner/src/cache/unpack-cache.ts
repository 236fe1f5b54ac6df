import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type ReadEntry } from 'tar';
import { isUnder } from './cache-paths.js';

/** Entry types a cache may hold; devices, FIFOs and the rest are refused. */
const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

export interface Unpacked {
  entries: number;
  /** Entries left out, each with why (the first few are logged). */
  refused: string[];
}

/**
 * Extracts a cache archive into `workspace`, streamed. Only entries inside `paths` are written: an entry with
 * `..`, an absolute path, a link whose target climbs out of the workspace, a hard link to something outside
 * `paths`, a device or a FIFO is left out and listed in `refused` (tar itself also refuses to write through a
 * symbolic link already there). Aborting `signal` stops it midway. Owners are not taken from the archive (the runner may be root: they are its
 * own, then the task user's), nor setuid, setgid or sticky bits. Rejects when the archive is not a tar at all.
 */
export async function unpackCache(
  archive: Readable,
  workspace: string,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<Unpacked> {
  let entries = 0;
  const refused: string[] = [];
  const refuse = (path: string, why: string) => {
    if (refused.length < 100) refused.push(`${JSON.stringify(path.slice(0, 200))}: ${why}`);
    return false;
  };
  const filter = (path: string, entry: ReadEntry | Stats): boolean => {
    const e = entry as ReadEntry;
    const type = String(e.type);
    if (!ALLOWED.has(type)) return refuse(path, `a ${type} entry`);
    if (posix.isAbsolute(path) || path.split('/').includes('..')) return refuse(path, 'leaves the workspace');
    const normal = posix.normalize(path).replace(/\/+$/, '');
    if (!isUnder(paths, normal)) return refuse(path, 'is not inside the cache paths');
    if (type === 'SymbolicLink') {
      const target = String(e.linkpath ?? '');
      const resolved = posix.normalize(posix.join(posix.dirname(normal), target));
      if (posix.isAbsolute(target) || resolved === '..' || resolved.startsWith('../'))
        return refuse(path, `a link to ${JSON.stringify(target.slice(0, 200))}, outside the workspace`);
    }
    if (type === 'Link') {
      const target = posix.normalize(String(e.linkpath ?? ''));
      if (posix.isAbsolute(target) || !isUnder(paths, target))
        return refuse(path, 'a hard link to something outside the cache paths');
    }
    if (typeof e.mode === 'number') e.mode &= 0o777;
    entries++;
    return true;
  };
  const warnings: string[] = [];
  try {
    await pipeline(
      archive,
      extract({
        cwd: workspace,
        preserveOwner: false,
        filter,
        onwarn: (code, message) => {
          if (warnings.length < 100) warnings.push(`${code}: ${message}`);
        },
      }),
      ...(signal ? [{ signal }] : []),
    );
  } catch (err) {
    if ((err as { code?: string }).code === 'ABORT_ERR') throw err;
    throw new Error(`the cache archive is damaged (${(err as Error).message})`);
  }
  for (const warning of warnings) {
    // tar's own refusals (a path through a symbolic link, `..`) are refusals too; a bad archive is an error.
    if (warning.startsWith('TAR_BAD_ARCHIVE')) throw new Error(`the cache archive is damaged (${warning})`);
    refused.push(warning);
  }
  return { entries, refused };
}
