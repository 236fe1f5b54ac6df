// The SQLite dialect of the store (DESIGN §4: the default, embedded, nothing to install); the store itself is
// sql-store.ts. better-sqlite3 answers synchronously, but a transaction of the shared store awaits between its
// statements, and every call in this process shares one connection: a call made meanwhile would run inside the
// transaction (and be rolled back with it). So a transaction holds the connection until it ends, and statements
// outside it wait their turn. Writes that must be atomic across processes (two hubs on one file) run in
// `BEGIN IMMEDIATE` transactions.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Dialect, Row, Sql, SqlDatabase } from '../sql-database.js';
import { SqlStore } from '../sql-store.js';
import { type BackgroundCheckpoints, startBackgroundCheckpoints } from './background-checkpoints.js';
import { LogFiles } from './log-files.js';
import { migrate } from './migrate.js';

export type SqliteStoreOptions = {
  /** The database file; `<dataDir>/floe.db` by convention (see `sqliteFile`). */
  file: string;
  /** How long a write waits for another process's lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /** Checkpoint the WAL on a thread of its own (background-checkpoints.ts), as the hub does; default false. */
  backgroundCheckpoints?: boolean;
  /**
   * Where log bytes go (log-files.ts): `<folder of file>/logs` by default; null keeps them in the database (an
   * in-memory database has no folder, and keeps them there too).
   */
  logDir?: string | null;
  /** Chunks of at least this many bytes go to log files (log-files.ts; default 16 KiB), smaller ones in rows. */
  logFileMinBytes?: number;
};

/** `<dataDir>/logs`: the log files of a SQLite hub (log-files.ts). */
export function sqliteLogDir(dataDir: string): string {
  return path.join(dataDir, 'logs');
}

/** `<dataDir>/floe.db`. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'floe.db');
}

/** Opens (creating and migrating when needed) the SQLite store. Throws when the file cannot be opened. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  mkdirSync(path.dirname(options.file), { recursive: true });
  const db = new Database(options.file);
  // WAL: readers never wait for the writer; foreign keys are off by default in SQLite; busy_timeout makes a
  // second process wait for a lock instead of failing at once.
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const logDir =
    options.logDir === undefined ? (db.memory ? null : sqliteLogDir(path.dirname(options.file))) : options.logDir;
  return new SqliteStore(
    db,
    options.backgroundCheckpoints ? startBackgroundCheckpoints(db) : undefined,
    logDir === null
      ? undefined
      : new LogFiles(logDir, options.logFileMinBytes === undefined ? {} : { minChunkBytes: options.logFileMinBytes }),
  );
}

const SQLITE: Dialect = {
  forUpdate: '',
  bytewise: '',
  skipLocked: '',
  hasResourceTag: `EXISTS (SELECT 1 FROM json_each(runs.flow, '$."resource-tags"') WHERE json_each.value = ?)`,
  storesLogBytes: true,
};

class SqliteDatabase implements SqlDatabase {
  readonly dialect = SQLITE;
  /** Prepared once per SQL text: preparing on every call cost more than running most of these statements. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Settled when the transaction holding the connection ends. */
  private held: Promise<void> | undefined;
  /** Statements of the transaction that holds the connection. */
  private readonly inside: Sql = {
    all: async (sql, params = []) => this.statement(sql).all(...params) as Row[],
    get: async (sql, params = []) => this.statement(sql).all(...params)[0] as Row | undefined,
    run: async (sql, params = []) => this.statement(sql).run(...params).changes,
  };

  constructor(
    readonly db: Database.Database,
    private readonly checkpoints?: BackgroundCheckpoints,
  ) {}

  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    while (this.held) await this.held;
    return this.inside.all(sql, params);
  }

  async get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    while (this.held) await this.held;
    return this.inside.get(sql, params);
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    while (this.held) await this.held;
    return this.inside.run(sql, params);
  }

  async transaction<T>(work: (sql: Sql) => Promise<T>, mode: 'write' | 'read' = 'write'): Promise<T> {
    // Checked again after each wait, and taken with no await in between: two waiters cannot both take it.
    while (this.held) await this.held;
    let release: () => void = () => undefined;
    this.held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      this.statement(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN').run();
      try {
        const result = await work(this.inside);
        this.statement('COMMIT').run();
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.statement('ROLLBACK').run();
        throw error;
      }
    } finally {
      this.held = undefined;
      release();
    }
  }

  async sizeBytes(): Promise<number> {
    // The pages the file holds; the WAL beside it is folded back in at checkpoints.
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    return pages * (this.db.pragma('page_size', { simple: true }) as number);
  }

  async close(): Promise<void> {
    await this.checkpoints?.stop();
    if (this.db.open) this.db.close();
  }
}

/** The store on SQLite; `db` is the connection (tests and benchmarks look at the file through it). */
export class SqliteStore extends SqlStore {
  constructor(
    readonly db: Database.Database,
    checkpoints?: BackgroundCheckpoints,
    logFiles?: LogFiles,
  ) {
    super(new SqliteDatabase(db, checkpoints), logFiles);
  }
}
