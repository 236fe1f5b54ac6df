// Task caches kept on the hub, shared by every runner (docs/floe-yaml.md "cache", `--shared-caches`): the index is
// the store's (migration 16), the bytes the artifacts' blob store's. Every request is a runner's, fenced by the
// run and its epoch like an artifact upload, and the keyspace comes from that run as the hub knows it — its trust
// and repository — never from the runner: a cache an untrusted run saved is never found by a trusted one.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { FloeError } from '../errors.js';
import type { RunRow, Store } from '../store/store.js';
import type { ArtifactLimits } from './artifact-limits.js';
import { BlobLimitError, type BlobStore } from './blob-store.js';

export type HubCachesDeps = {
  store: Store;
  blobs: BlobStore;
  /** `--shared-caches`; off: every request is FLOE_CACHES_OFF and runners keep their caches themselves. */
  enabled: boolean;
  /** The artifact caps: a cache may be at most a file's, and all caches together at most the hub's total. */
  limits: ArtifactLimits;
  log: Logger;
  now: () => number;
};

export type CacheFound = { found: false } | { found: true; key: string; blobId: string; size: number };
export type CacheSaveAnswer =
  | { kind: 'saved'; bytes: number }
  | { kind: 'exists' }
  | { kind: 'refused'; reason: string };

/** The keyspace of a run's caches on the hub: its trust, then its repository. */
export const hubCacheSpace = (run: Pick<RunRow, 'trust' | 'repo'>) =>
  `${run.trust === 'trusted' ? 'trusted' : 'untrusted'}\nrepo:${run.repo}`;

export class HubCaches {
  constructor(private readonly deps: HubCachesDeps) {}

  /** The cache of `key` for the run's keyspace, else the newest of the first prefix that has one. */
  async find(runnerId: string, runId: string, epoch: number, key: string, prefixes: string[]): Promise<CacheFound> {
    const run = await this.runOf(runnerId, runId, epoch);
    const found = await this.deps.store.findTaskCache(hubCacheSpace(run), key, prefixes);
    if (!found) return { found: false };
    return { found: true, key: found.key, blobId: found.blobId, size: found.size };
  }

  /** The bytes of a cache of the run's keyspace (counted as a use); FLOE_ARTIFACT_NOT_FOUND for any other blob. */
  async read(
    runnerId: string,
    runId: string,
    epoch: number,
    blobId: string,
  ): Promise<{ size: number; body: Readable }> {
    const run = await this.runOf(runnerId, runId, epoch);
    const cache = await this.deps.store.getTaskCacheByBlob(blobId);
    if (!cache || cache.space !== hubCacheSpace(run))
      throw new FloeError('FLOE_ARTIFACT_NOT_FOUND', 'no such cache for this run; ask for it by key again');
    await this.deps.store.useTaskCache(cache.space, cache.key, this.deps.now());
    return { size: cache.size, body: this.deps.blobs.read(blobId) };
  }

  /**
   * Stores `body` as the cache of `key` in the run's keyspace, streamed into a new blob that only becomes the key's
   * once whole: a reader never sees half of it, and of two saves of one key the first to finish wins (the other's
   * bytes are removed). Over the file cap: refused, nothing kept. Then the least recently used caches go until all
   * fit under the hub's total cap.
   */
  async save(
    runnerId: string,
    runId: string,
    epoch: number,
    key: string,
    body: AsyncIterable<Uint8Array>,
  ): Promise<CacheSaveAnswer> {
    const { store, blobs, limits, log, now } = this.deps;
    const run = await this.runOf(runnerId, runId, epoch);
    const space = hubCacheSpace(run);
    if (await store.findTaskCache(space, key, [])) return { kind: 'exists' };
    const blobId = randomUUID();
    let bytes: number;
    try {
      bytes = await blobs.append(blobId, 0, body, limits.maxFileBytes);
    } catch (err) {
      await blobs.remove(blobId);
      if (err instanceof BlobLimitError)
        return { kind: 'refused', reason: `the cache is over the hub's ${mib(limits.maxFileBytes)} a file may have` };
      throw err;
    }
    const at = now();
    if (!(await store.addTaskCache({ space, key, blobId, size: bytes, savedAt: at, usedAt: at }))) {
      await blobs.remove(blobId);
      return { kind: 'exists' };
    }
    for (const evicted of await store.evictTaskCaches(limits.maxHubBytes)) await blobs.remove(evicted);
    log.info({ runId, bytes, trust: run.trust }, 'task cache saved');
    return { kind: 'saved', bytes };
  }

  private async runOf(runnerId: string, runId: string, epoch: number): Promise<RunRow> {
    if (!this.deps.enabled) throw new FloeError('FLOE_CACHES_OFF');
    const run = await this.deps.store.getRun(runId);
    if (!run) throw new FloeError('FLOE_RUN_NOT_FOUND');
    if (run.state !== 'active' || run.runnerId !== runnerId || run.epoch !== epoch)
      throw new FloeError('FLOE_STALE_EPOCH');
    return run;
  }
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
