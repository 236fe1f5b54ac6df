import path from 'node:path';
import type { Logger } from 'pino';
import type { BlobStore } from '../artifacts/blob-store.js';
import { FileBlobStore } from '../artifacts/file-blob-store.js';
import { PostgresBlobStore } from '../artifacts/postgres-blob-store.js';
import { type HubNotifier, InProcessNotifier } from '../dispatch/hub-notifier.js';
import { openPostgresNotifier } from '../store/postgres/postgres-notifier.js';
import { openPostgresStore, PostgresStore } from '../store/postgres/postgres-store.js';
import { openSqliteStore, sqliteFile } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { StoreHealth } from '../store/store-health.js';

export type HubStore = {
  /** The store, every call watched by `health`. */
  store: Store;
  health: StoreHealth;
  /** Signals to the other hubs on the database (in-process, to nobody else, for SQLite). */
  notifier: HubNotifier;
  /** True when other hubs may share the database (PostgreSQL opened from a URL). */
  shared: boolean;
  /**
   * Where artifacts' bytes go (DESIGN §8 "Artifacts"): chunks in the database for PostgreSQL, which every hub of it
   * reads; files under `<dataDir>/artifacts` for SQLite.
   */
  blobs: BlobStore;
};

/**
 * Opens the hub's store: the one given, PostgreSQL at `databaseUrl` (shared with other hubs, which signal each
 * other with LISTEN/NOTIFY: dispatch/hub-notifier.ts), else SQLite in `<dataDir>/floe.db`.
 */
export async function openHubStore(options: {
  dataDir: string;
  store?: Store | undefined;
  databaseUrl?: string | undefined;
  hubId: string;
  log: Logger;
  now: () => number;
  /** Told how long each store call took (metrics). */
  observe?: (method: string, seconds: number) => void;
}): Promise<HubStore> {
  const { log, hubId } = options;
  // Every store call is watched: an outage is reported, answered 503, and ends with every lease renewed (DESIGN §4
  // "When the database is out of reach").
  const health = new StoreHealth(options.now, (available, problem) => {
    if (available) log.warn('the database answers again');
    else log.error({ problem }, 'the database is out of reach; retrying');
  });
  if (options.store === undefined && options.databaseUrl !== undefined) {
    const postgres = await openPostgresStore({ url: options.databaseUrl });
    try {
      const notifier = await openPostgresNotifier({ url: options.databaseUrl, pool: postgres.pool, hubId, log });
      return {
        store: health.watch(postgres, options.observe),
        health,
        notifier,
        shared: true,
        blobs: new PostgresBlobStore(postgres.pool),
      };
    } catch (err) {
      await postgres.close();
      throw err;
    }
  }
  const store = options.store ?? openSqliteStore({ file: sqliteFile(options.dataDir), backgroundCheckpoints: true });
  const blobs =
    store instanceof PostgresStore
      ? new PostgresBlobStore(store.pool)
      : new FileBlobStore(path.join(options.dataDir, 'artifacts'));
  return {
    store: health.watch(store, options.observe),
    health,
    notifier: new InProcessNotifier().forHub(hubId),
    shared: false,
    blobs,
  };
}
