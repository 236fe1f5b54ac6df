import { lchown } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Cache, type CacheLine, cacheLine, formatDuration, type TaskOutcome } from '@floe/shared';
import { sysLine } from '../executors/sys-line.js';
import type { TaskContext } from '../executors/task-context.js';
import { giveToTaskUser } from '../process/give-to-task-user.js';
import { cachePaths } from './cache-paths.js';
import type { CacheStore } from './cache-store.js';
import { expandCacheKey } from './expand-cache-key.js';
import { packCache } from './pack-cache.js';
import { unpackCache } from './unpack-cache.js';

/** What the restore found, for the save after the task. */
export interface RestoredCache {
  key: string;
  paths: string[];
  hit: 'exact' | 'partial' | 'miss';
}

/**
 * The keyspace of a run's caches: its trust, then its repository (or, without one, its flow). A cache an
 * untrusted run saved — whatever its tasks put in it — is never restored into a trusted run (docs/security.md
 * "Caches"), and one repository's keys never meet another's.
 */
export function cacheSpace(ctx: Pick<TaskContext, 'run' | 'flow'>): string {
  const owner = ctx.run.repo ? `repo:${ctx.run.repo}` : `flow:${ctx.flow.id}`;
  return `${ctx.run.trust === 'trusted' ? 'trusted' : 'untrusted'}\n${owner}`;
}

const log = (ctx: TaskContext, line: CacheLine) => sysLine(ctx, cacheLine(line));

const mb = (bytes: number) =>
  bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Restores a task's cache before it runs (docs/floe-yaml.md "cache"): the key, else the newest cache of the first
 * restore-key prefix that has one, extracted into the workspace (unpack-cache.ts) and given to the task user.
 * Writes `cache hit`, `cache partial hit`, `cache miss` or `cache error` to the task's log. A cache that cannot be
 * used never fails the task: undefined, and the task runs without it.
 */
export async function restoreTaskCache(
  ctx: TaskContext,
  store: CacheStore,
  cache: Cache,
): Promise<RestoredCache | undefined> {
  const started = Date.now();
  const expanded = await expandCacheKey(cache.key, ctx.workspace);
  if ('error' in expanded) {
    log(ctx, { outcome: 'error', key: expanded.error });
    return undefined;
  }
  for (const warning of expanded.warnings) sysLine(ctx, `cache key: ${warning}`);
  const checked = await cachePaths(ctx.workspace, cache.paths);
  if ('error' in checked) {
    log(ctx, { outcome: 'error', key: checked.error });
    return undefined;
  }
  const key = expanded.key;
  const prefixes: string[] = [];
  for (const template of asList(cache['restore-keys'])) {
    const prefix = await expandCacheKey(template, ctx.workspace);
    if ('key' in prefix && prefix.key) prefixes.push(prefix.key);
  }
  try {
    const found = await store.find(cacheSpace(ctx), key, prefixes);
    if (!found) {
      log(ctx, { outcome: 'miss', key });
      return { key, paths: checked.paths, hit: 'miss' };
    }
    const unpacked = await unpackCache(await found.open(), ctx.workspace, checked.paths, ctx.signal);
    await giveRestored(ctx, checked.paths);
    const exact = found.key === key;
    const took = `${mb(found.bytes)}, ${unpacked.entries} entries in ${formatDuration(Date.now() - started)}`;
    log(ctx, {
      outcome: exact ? 'hit' : 'partial hit',
      key: found.key,
      detail: exact ? took : `${took}; the key ${key} missed`,
    });
    for (const refused of unpacked.refused.slice(0, 5)) sysLine(ctx, `cache entry refused: ${refused}`);
    if (unpacked.refused.length > 5) sysLine(ctx, `cache entries refused: ${unpacked.refused.length - 5} more`);
    return { key, paths: checked.paths, hit: exact ? 'exact' : 'partial' };
  } catch (err) {
    log(ctx, { outcome: 'error', key: `restoring ${key} failed: ${(err as Error).message}` });
    // The task runs without it; a save afterwards replaces what a broken archive left.
    return { key, paths: checked.paths, hit: 'miss' };
  }
}

/**
 * Saves a task's cache after it ended good, when the key missed (docs/floe-yaml.md "cache"). Writes `cache saved`
 * or `cache not saved` (with why) to the task's log. Never rejects: a cache that cannot be saved leaves the task
 * good.
 */
export async function saveTaskCache(
  ctx: TaskContext,
  store: CacheStore,
  restored: RestoredCache,
  outcome: TaskOutcome,
): Promise<void> {
  const { key } = restored;
  if (restored.hit === 'exact') return;
  const goodCodes = ctx.task.good?.length ? ctx.task.good : [0];
  if (outcome.kind !== 'exited' || !goodCodes.includes(outcome.exitCode)) {
    log(ctx, { outcome: 'not saved', key, detail: 'the task was not good' });
    return;
  }
  const started = Date.now();
  // The paths again: the task may have made one a link since the restore.
  const checked = await cachePaths(ctx.workspace, restored.paths);
  if ('error' in checked) {
    log(ctx, { outcome: 'not saved', key, detail: checked.error });
    return;
  }
  let missing: string[] = [];
  try {
    const saved = await store.save(cacheSpace(ctx), key, async (into) => {
      const packed = await packCache(ctx.workspace, checked.paths, into, ctx.sandbox, ctx.signal);
      missing = packed.missing;
      if (packed.packed.length === 0) throw new NothingToSave();
    });
    if (saved.kind === 'saved')
      log(ctx, {
        outcome: 'saved',
        key,
        detail: `${mb(saved.bytes)} in ${formatDuration(Date.now() - started)}${missing.length ? `; not there: ${missing.join(', ')}` : ''}`,
      });
    else if (saved.kind === 'exists')
      log(ctx, { outcome: 'not saved', key, detail: 'another run saved this key first' });
    else log(ctx, { outcome: 'not saved', key, detail: saved.reason });
  } catch (err) {
    const detail =
      err instanceof NothingToSave
        ? `none of its paths exist: ${checked.paths.join(', ')}`
        : `saving failed: ${(err as Error).message}`;
    log(ctx, { outcome: 'not saved', key, detail });
  }
}

class NothingToSave extends Error {}

/** Restored files become the task user's, like a checkout's; so do folders tar made above them. */
async function giveRestored(ctx: TaskContext, paths: string[]): Promise<void> {
  const run = ctx.sandbox;
  const user = run?.sandbox.user;
  if (!run || !user) return;
  await giveToTaskUser(run, ...paths.map((path) => join(ctx.workspace, path)));
  for (const path of paths)
    for (let up = dirname(path); up !== '.'; up = dirname(up))
      await lchown(join(ctx.workspace, up), user.uid, user.gid).catch(() => {});
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;
