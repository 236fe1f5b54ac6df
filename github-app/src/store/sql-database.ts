// What the one store (sql-store.ts) needs of a database: statements with `?` placeholders, and transactions. Each
// dialect implements it in a few lines (sqlite/sqlite-store.ts, postgres/postgres-store.ts); everything else,
// the SQL included, is shared.

/** A row as the driver returns it: column names as in the schema, values as the driver types them. */
export type Row = Record<string, unknown>;

/** Runs statements; `?` placeholders in order (the PostgreSQL driver numbers them). */
export interface Sql {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** The first row, e.g. of `… RETURNING *`. */
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** How many rows the statement changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** Where the two dialects' SQL differs (everything else is written once, in both dialects' common SQL). */
export type Dialect = {
  /** Appended to a SELECT that locks the row it reads until the transaction ends (PostgreSQL's row lock; SQLite's
   * write transaction already holds the database). */
  forUpdate: string;
  /** Makes an ORDER BY of text bytewise, as SQLite orders by default. */
  bytewise: string;
  /**
   * Appended to a SELECT that locks the row it reads, passing over a row another transaction holds instead of
   * waiting for it (PostgreSQL's SKIP LOCKED: a hub never waits for another hub's claim of the same run).
   */
  skipLocked: string;
  /**
   * A statement that holds resource tag `?` until the transaction ends (PostgreSQL: an advisory lock keyed by the
   * tag); none where the write transaction holds the whole database already (SQLite).
   */
  lockResourceTag?: string;
  /** A condition on a row of `runs`: its flow names resource tag `?`. */
  hasResourceTag: string;
  /**
   * A log chunk's text may be stored as its UTF-8 bytes, a BLOB, as a binary log frame brought them (SQLite keeps
   * a value's own type in a TEXT column): no string is made of a chatty task's output on its way in. PostgreSQL's
   * text column takes text only.
   */
  storesLogBytes: boolean;
};

export interface SqlDatabase extends Sql {
  readonly dialect: Dialect;
  /**
   * Runs `work` in one transaction (committed when it resolves, rolled back when it throws), its statements on
   * `sql`, never on this object: nothing else runs inside it. `write` (the default) holds the write lock from the
   * start (SQLite's `BEGIN IMMEDIATE`); `read` is one snapshot.
   */
  /** The database's size on disk in bytes. */
  sizeBytes(): Promise<number>;
  transaction<T>(work: (sql: Sql) => Promise<T>, mode?: 'write' | 'read'): Promise<T>;
  close(): Promise<void>;
}
