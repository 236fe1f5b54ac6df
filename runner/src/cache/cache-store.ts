import type { Readable } from 'node:stream';

/**
 * Where a runner keeps task caches (docs/floe-yaml.md "cache"). The one implementation today keeps them on the
 * runner's machine (local-cache-store.ts); a store on the hub, shared by every runner, fits the same shape.
 *
 * `space` is the keyspace: caches saved by untrusted runs live in another space than trusted runs' (and each
 * repository has its own), so a key never reaches across (docs/security.md "Caches").
 */
export interface CacheStore {
  /**
   * The cache saved under `key`, else the newest whose key starts with the first of `prefixes` that matches any.
   * Undefined: a miss. Rejects only when the store cannot be read at all.
   */
  find(space: string, key: string, prefixes: readonly string[]): Promise<CacheHit | undefined>;
  /**
   * Saves what `write` streams into the given stream under `key`, atomically: a reader sees the whole archive or
   * none, and of two saves of one key the first to finish wins (the other resolves `exists`). `write` rejecting,
   * or writing more than the store's cap, leaves nothing behind.
   */
  save(space: string, key: string, write: (into: NodeJS.WritableStream) => Promise<void>): Promise<CacheSaved>;
}

export interface CacheHit {
  /** The key it was saved under: `key` itself (an exact hit) or one matching a restore-key prefix. */
  key: string;
  bytes: number;
  /** Streams the archive. The store counts the hit as a use (least-recently-used eviction). */
  open(): Promise<Readable>;
}

export type CacheSaved = { kind: 'saved'; bytes: number } | { kind: 'exists' } | { kind: 'refused'; reason: string };
