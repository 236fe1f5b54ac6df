// The PostgreSQL dialect of the store (DESIGN §4: for several hubs on one database, issue 7); the store itself is
// sql-store.ts. Statements go to a pool; a transaction holds one connection, and writes that read first lock the
// run's row (`SELECT … FOR UPDATE`), so two hubs serialize on the row, not on a process.
import pg from 'pg';
import type { Dialect, Row, Sql, SqlDatabase } from '../sql-database.js';
import { SqlStore } from '../sql-store.js';
import { isDatabaseAway } from '../store-health.js';
import { migratePostgres } from './migrate-postgres.js';

export type PostgresStoreOptions = {
  /** `postgres://user@host:port/db`: `--database-url` or DATABASE_URL. */
  url: string;
  /** Connections this hub keeps; default 10. */
  maxConnections?: number;
  /** How long to wait for a connection to the database; default 10 s. */
  connectTimeoutMs?: number;
  /** How long to wait for a query's answer; default 60 s. */
  queryTimeoutMs?: number;
};

// BIGINT (int8, oid 20) columns hold milliseconds and byte offsets, all far below 2^53: read them as numbers.
// Set on this driver's pools only, not on the `pg` module (other code in the process may want strings).
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Opens (migrating when needed) the PostgreSQL store. Throws when the database cannot be reached. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    types,
    // A database out of reach answers nothing: a connection attempt or a query gives up instead of waiting for
    // ever, so the hub reports the outage (store-health.ts) and tries again (DESIGN §4).
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 60_000,
    keepAlive: true,
  });
  // An idle connection that breaks (the server restarts) must not crash the hub; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool);
}

/** The first key of the resource tags' advisory locks ("floe"), so that no other advisory lock shares theirs. */
const RESOURCE_TAG_LOCKS = 0x666c6f65;

const POSTGRES: Dialect = {
  forUpdate: ' FOR UPDATE',
  bytewise: ' COLLATE "C"',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  // Two tags whose hashes collide share a lock: they only wait for each other, never both held by mistake.
  lockResourceTag: `SELECT pg_advisory_xact_lock(${RESOURCE_TAG_LOCKS}, hashtext(?::text))`,
  // Answered from the runs_live_by_resource_tag index (migration 17).
  hasResourceTag: `((runs.flow::jsonb -> 'resource-tags') @> to_jsonb(?::text))`,
  storesLogBytes: false,
};

/** `?` placeholders numbered `$1`, `$2`, … (the store's SQL has no other question marks). */
const numbered = new Map<string, string>();
function number(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, text);
  }
  return text;
}

/** Statements on a pool or on a transaction's connection. */
function statements(on: Pick<pg.PoolClient, 'query'>): Sql {
  return {
    all: async (sql, params = []) => (await on.query(number(sql), [...params])).rows as Row[],
    get: async (sql, params = []) => (await on.query(number(sql), [...params])).rows[0] as Row | undefined,
    run: async (sql, params = []) => (await on.query(number(sql), [...params])).rowCount ?? 0,
  };
}

class PostgresDatabase implements SqlDatabase {
  readonly dialect = POSTGRES;
  private readonly direct: Sql;
  private closed = false;

  constructor(private readonly pool: pg.Pool) {
    this.direct = statements(pool);
  }

  all(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.direct.all(sql, params);
  }

  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
    return this.direct.get(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async sizeBytes(): Promise<number> {
    const row = await this.direct.get('SELECT pg_database_size(current_database()) AS bytes');
    return Number(row?.bytes ?? 0);
  }

  async transaction<T>(work: (sql: Sql) => Promise<T>, mode: 'write' | 'read' = 'write'): Promise<T> {
    const client = await this.pool.connect();
    // A connection that breaks while it is checked out emits 'error' besides failing its query; the pool only
    // listens on idle ones, and an unheard 'error' ends the process (a database restart crashed every hub).
    let broke: Error | undefined;
    const broken = (err: Error) => {
      broke = err;
    };
    client.on('error', broken);
    try {
      // A read is one snapshot (REPEATABLE READ), like SQLite's read transaction.
      await client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await work(statements(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that timed out may still answer the old query later: it is not reused either.
      if (isDatabaseAway(error)) broke ??= error as Error;
      else await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', broken);
      // A broken connection is not given back to the pool for the next caller.
      client.release(broke);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** The store on PostgreSQL; `pool` is shared with the hub's notifier (postgres-notifier.ts) and migrations. */
export class PostgresStore extends SqlStore {
  constructor(readonly pool: pg.Pool) {
    super(new PostgresDatabase(pool));
  }
}
