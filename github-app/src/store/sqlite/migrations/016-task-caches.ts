// Task caches kept on the hub (docs/floe-yaml.md "cache", `floe-hub --shared-caches`): one row per cache, its
// bytes in the blob store (artifacts/blob-store.ts) under `blob_id`. `space` is the keyspace the hub derives from
// the run that saved it (trust and repository), never one a runner names: an untrusted run's cache is never found
// by a trusted run. `used_at` (saved or restored) orders the least-recently-used eviction.
const cacheTable = (bigint: string) => `
CREATE TABLE task_caches (
  space TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  blob_id TEXT NOT NULL UNIQUE,
  size ${bigint} NOT NULL,
  saved_at ${bigint} NOT NULL,
  used_at ${bigint} NOT NULL,
  PRIMARY KEY (space, cache_key)
);
CREATE INDEX task_caches_by_use ON task_caches (used_at);
`;

export const migration016 = { version: 16, name: 'task-caches', sql: cacheTable('INTEGER') };
export const postgresMigration016 = { version: 16, name: 'task-caches', sql: cacheTable('BIGINT') };
