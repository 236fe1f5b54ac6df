// What an `artifacts:` entry takes from the workspace (DESIGN §8 "Artifacts"): files, folders and globs, each file
// with its size and sha256, and nothing that resolves outside the workspace — a symlink out of it, or a path that
// climbs out, is left behind with a line in the task's log saying why.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactPathSchema, type TaskArtifact } from '@floe/shared';
import picomatch from 'picomatch';

/** A file to upload: where it is on disk, and what the hub is told of it. */
export type CollectedFile = { abs: string; path: string; size: number; sha256: string };

export type Collected = {
  files: CollectedFile[];
  /** One sentence each, for the task's log: a path or glob that matched nothing, a symlink out of the workspace. */
  warnings: string[];
  /** With `required: true`, the paths and globs that matched nothing. */
  missing: string[];
};

/** Walking a workspace stops after this many entries: a task that made millions of files gets a clear warning. */
const MAX_WALK = 200_000;

/**
 * Resolves the entry's `paths` in `workspace`. Never throws for what the task left: every problem is a warning.
 * Each file's path in the artifact is its path relative to the workspace, `/`-separated.
 */
export async function collectArtifacts(workspace: string, entry: Pick<TaskArtifact, 'paths'>): Promise<Collected> {
  const root = await realpath(workspace);
  const out: Collected = { files: [], warnings: [], missing: [] };
  const taken = new Map<string, CollectedFile>();
  let all: string[] | undefined;

  for (const raw of entry.paths) {
    const pattern = normalize(raw);
    if (pattern === undefined) {
      out.warnings.push(`artifact path ${JSON.stringify(raw)} leaves the workspace; nothing of it is taken`);
      continue;
    }
    let matched: string[];
    if (picomatch.scan(pattern).isGlob) {
      all ??= await walk(root, '', out.warnings);
      const isMatch = picomatch(pattern);
      matched = all.filter((rel) => isMatch(rel));
    } else {
      matched = await expand(root, pattern, out.warnings);
    }
    let count = 0;
    for (const rel of matched) {
      if (taken.has(rel)) {
        count++;
        continue;
      }
      if (!ArtifactPathSchema.safeParse(rel).success) {
        out.warnings.push(
          `${JSON.stringify(rel)} has a name an artifact cannot carry (a control character or a backslash); not taken`,
        );
        continue;
      }
      const file = await inside(root, rel, out.warnings);
      if (!file) continue;
      taken.set(rel, { abs: file, path: rel, ...(await sizeAndHash(file)) });
      count++;
    }
    if (count === 0) {
      out.missing.push(raw);
      out.warnings.push(`artifact path ${JSON.stringify(raw)} matched no file`);
    }
  }
  out.files = [...taken.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  return out;
}

/** `./dist/`, `{{ws}}/dist` → `dist`; undefined for an absolute path or one that climbs out with `..`. */
function normalize(raw: string): string | undefined {
  let rest = raw
    .trim()
    .replace(/^\{\{ws\}\}/, '')
    .replace(/\\/g, '/');
  if (raw.trim().startsWith('/') || /^[A-Za-z]:/.test(rest) || rest.startsWith('~')) return undefined;
  rest = rest.replace(/^\/+/, '');
  const parts: string[] = [];
  for (const part of rest.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/** A file or a folder (all files under it); a symlink is followed only as far as `inside` allows. */
async function expand(root: string, rel: string, warnings: string[]): Promise<string[]> {
  const info = await stat(path.join(root, rel)).catch(() => undefined);
  if (!info) return [];
  if (info.isFile()) return [rel];
  if (!info.isDirectory()) return [];
  const real = await inside(root, rel, warnings, true);
  if (!real) return [];
  return (await walk(root, rel === '.' ? '' : rel, warnings)).filter(Boolean);
}

/** Every file under `root/rel`, relative to root; symlinked folders are not entered (their files may be anywhere). */
async function walk(root: string, rel: string, warnings: string[]): Promise<string[]> {
  const files: string[] = [];
  const queue = [rel];
  let seen = 0;
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (++seen > MAX_WALK) {
        warnings.push(`the workspace has more than ${MAX_WALK} entries; artifacts look no further`);
        return files;
      }
      const child = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) queue.push(child);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(child);
    }
  }
  return files;
}

/**
 * The real path of `root/rel` when it is a regular file (or with `dir`, a folder) inside root; undefined, with a
 * warning, when it resolves outside (a symlink out of the workspace) or is something else (a socket, a device).
 */
async function inside(root: string, rel: string, warnings: string[], dir = false): Promise<string | undefined> {
  const abs = path.join(root, rel);
  const real = await realpath(abs).catch(() => undefined);
  if (real === undefined) {
    warnings.push(`${rel} is a broken symlink; not taken`);
    return undefined;
  }
  if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
    warnings.push(`${rel} resolves outside the workspace; not taken`);
    return undefined;
  }
  const info = await lstat(real);
  if (dir ? !info.isDirectory() : !info.isFile()) {
    if (!dir) warnings.push(`${rel} is not a regular file; not taken`);
    return undefined;
  }
  return real;
}

async function sizeAndHash(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
