import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseCacheKey } from '@floe/shared';
import { glob } from 'tinyglobby';

/** What `{{runner.os}}` and `{{runner.arch}}` become: Node's names (`linux`, `x64`, `arm64`). */
export const RUNNER_FACTS = { os: process.platform, arch: process.arch } as const;

export type ExpandedKey = { key: string; warnings: string[] } | { error: string };

/**
 * Expands a `cache.key` (or a restore-key) in `workspace`: `{{hash GLOBS…}}` becomes the sha256 of the files the
 * globs match (regular files inside the workspace only, in path order, each with its path, so that a rename
 * changes the key), `{{runner.os}}` / `{{runner.arch}}` this machine's. A glob that is absolute or climbs out with
 * `..` is an error; a hash whose globs match nothing is a warning (and the hash of nothing). Never throws.
 */
export async function expandCacheKey(template: string, workspace: string): Promise<ExpandedKey> {
  const parsed = parseCacheKey(template);
  if ('error' in parsed) return { error: `the cache key ${parsed.error}` };
  const warnings: string[] = [];
  let key = '';
  for (const part of parsed.parts) {
    if (part.kind === 'text') key += part.text;
    else if (part.kind === 'runner') key += RUNNER_FACTS[part.fact];
    else {
      const bad = part.globs.find(
        (pattern) => posix.isAbsolute(pattern) || pattern.split('/').includes('..') || pattern.startsWith('~'),
      );
      if (bad) return { error: `{{hash ${bad}}} must name files inside the workspace` };
      const hashed = await hashFiles(workspace, part.globs);
      if (hashed.files === 0) warnings.push(`{{hash ${part.globs.join(' ')}}} matches no file`);
      key += hashed.hash;
    }
  }
  return { key, warnings };
}

async function hashFiles(workspace: string, globs: string[]): Promise<{ hash: string; files: number }> {
  const realRoot = await realpath(workspace);
  const files = (
    await glob(globs, {
      cwd: workspace,
      onlyFiles: true,
      dot: true,
      followSymbolicLinks: false,
      expandDirectories: false,
    })
  ).sort();
  const all = createHash('sha256');
  let count = 0;
  for (const file of files) {
    const path = join(workspace, file);
    // A link is not hashed: the runner reads outside the sandbox, and a link may point at a root-only file.
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const real = await realpath(path).catch(() => undefined);
    if (!real || relative(realRoot, real).startsWith('..')) continue;
    const one = createHash('sha256');
    await pipeline(createReadStream(path), one);
    all.update(`${file}\0${one.digest('hex')}\n`);
    count++;
  }
  return { hash: all.digest('hex'), files: count };
}
