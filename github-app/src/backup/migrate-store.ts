// `floe-hub migrate-store --to postgres://…` (docs/operations.md "Moving to PostgreSQL"): copies a stopped SQLite
// hub's database — every table, so every run, log, token hash, secret, trigger state and audit entry — into an empty
// PostgreSQL database, in one transaction: a copy that fails half-way leaves the target empty, and the SQLite file is
// only read. Both ends are first brought to this hub's schema by their own migrations, so the columns are the same;
// what differs is spelled here (SQLite's 0/1 flags become booleans, PostgreSQL's id sequence follows the copied ids,
// and log bytes a SQLite hub keeps in files, store/sqlite/log-files.ts, become the text of PostgreSQL's rows).
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { utf8Text } from '@floe/shared/node';
import type pg from 'pg';
import { openPostgresStore } from '../store/postgres/postgres-store.js';
import { LogFiles } from '../store/sqlite/log-files.js';
import { openSqliteStore, sqliteFile, sqliteLogDir } from '../store/sqlite/sqlite-store.js';
import { BackupError } from './backup-hub.js';

export type MigrateProgress = { table: string; copied: number; total: number };

export type MigrateStoreOptions = {
  dataDir: string;
  /** postgres://… */
  to: string;
  onProgress?: (progress: MigrateProgress) => void;
  /** Rows per INSERT; default 500. */
  batchRows?: number;
};

/** Rows copied per table, once committed. Rejects with a BackupError for what the person can fix. */
export async function migrateStore(options: MigrateStoreOptions): Promise<Record<string, number>> {
  const file = sqliteFile(options.dataDir);
  if (!(await readdir(options.dataDir).catch((): string[] => [])).includes('floe.db'))
    throw new BackupError(`no hub database in ${options.dataDir} (floe.db); pass the hub's --data-dir`);
  await refuseRunningHub(options.dataDir);
  const sqlite = openSqliteStore({ file });
  let postgres: Awaited<ReturnType<typeof openPostgresStore>> | undefined;
  try {
    try {
      postgres = await openPostgresStore({ url: options.to });
    } catch (err) {
      throw new BackupError(
        `cannot open ${redact(options.to)} (${(err as Error).message}); check the URL and that the database exists`,
      );
    }
    const tables = await copyOrder(postgres.pool);
    const client = await postgres.pool.connect();
    try {
      const held = await nonEmpty(client, tables);
      if (held.length > 0)
        throw new BackupError(
          `${redact(options.to)} holds data already (${held.join(', ')}); migrate-store moves a hub into an empty database`,
        );
      const copied: Record<string, number> = {};
      await client.query('BEGIN');
      try {
        for (const table of tables) {
          copied[table] = BLOB_TABLES.has(table)
            ? await copyBlobs(join(options.dataDir, 'artifacts'), client, options)
            : table === 'log_chunks'
              ? await copyLogChunks(sqlite.db, sqliteLogDir(options.dataDir), client, options)
              : await copyTable(sqlite.db, client, table, options);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      return copied;
    } finally {
      client.release();
    }
  } finally {
    await postgres?.close();
    await sqlite.close();
  }
}

/**
 * Tables a SQLite hub keeps as files: the bytes of artifacts and shared caches are files under
 * `<data-dir>/artifacts` there (file-blob-store.ts), chunks of `blob_chunks` in PostgreSQL (postgres-blob-store.ts).
 */
const BLOB_TABLES = new Set(['blob_chunks']);
const BLOB_CHUNK_BYTES = 1024 * 1024;

/** Each blob file of a SQLite hub as rows of `blob_chunks`, read a chunk at a time; returns the rows written. */
async function copyBlobs(dir: string, client: pg.PoolClient, options: MigrateStoreOptions): Promise<number> {
  const blobs: string[] = [];
  for (const folder of await readdir(dir).catch((): string[] => [])) {
    for (const name of await readdir(join(dir, folder)).catch((): string[] => [])) {
      if (/^[0-9a-f-]{36}$/.test(name) && name.startsWith(folder)) blobs.push(join(dir, folder, name));
    }
  }
  let rows = 0;
  options.onProgress?.({ table: 'blob_chunks', copied: 0, total: blobs.length });
  for (const [index, file] of blobs.entries()) {
    let offset = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: BLOB_CHUNK_BYTES })) {
      const data = chunk as Buffer;
      await client.query('INSERT INTO blob_chunks (blob_id, byte_offset, data) VALUES ($1, $2, $3)', [
        basename(file),
        offset,
        data,
      ]);
      offset += data.length;
      rows += 1;
    }
    options.onProgress?.({ table: 'blob_chunks', copied: index + 1, total: blobs.length });
  }
  return rows;
}

/** Rows of log_chunks per INSERT at most, and about this many bytes of text: a row may hold a MiB. */
const LOG_ROWS = 200;
const LOG_BATCH_BYTES = 8 * 1024 * 1024;

/** log_chunks with each chunk's text, read from its log's file where SQLite kept it there; returns the rows. */
async function copyLogChunks(
  sqlite: import('better-sqlite3').Database,
  logDir: string,
  client: pg.PoolClient,
  options: MigrateStoreOptions,
): Promise<number> {
  const total = Number((sqlite.prepare('SELECT count(*) AS n FROM log_chunks').get() as { n: number }).n);
  const files = new LogFiles(logDir);
  const columns = ['run_id', 'node', 'byte_offset', 'length', 'attempt', 'stream', 'at', 'text'];
  let copied = 0;
  let rows: unknown[][] = [];
  let bytes = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    const values = rows.flat();
    const tuples = rows.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
    await client.query(`INSERT INTO log_chunks (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    copied += rows.length;
    rows = [];
    bytes = 0;
    options.onProgress?.({ table: 'log_chunks', copied, total });
  };
  try {
    options.onProgress?.({ table: 'log_chunks', copied: 0, total });
    const read = sqlite.prepare(
      `SELECT run_id, node, CAST(node AS BLOB) AS node_bytes, byte_offset, length, attempt, stream, at, text, in_file
       FROM log_chunks ORDER BY run_id, node, byte_offset`,
    );
    type Stored = Record<string, unknown> & { run_id: string; node_bytes: Buffer };
    for (const row of read.iterate() as Iterable<Stored>) {
      const stored =
        row.in_file === 1
          ? files.read(row.run_id, row.node_bytes, Number(row.byte_offset), Number(row.length))
          : row.text;
      // PostgreSQL's column is text: bytes a binary log frame brought become the text they encode, as its store does.
      const text = Buffer.isBuffer(stored) ? utf8Text(stored) : String(stored);
      rows.push([row.run_id, row.node, row.byte_offset, row.length, row.attempt, row.stream, row.at, text]);
      bytes += Number(row.length);
      if (rows.length >= LOG_ROWS || bytes >= LOG_BATCH_BYTES) await flush();
    }
    await flush();
    return copied;
  } finally {
    await files.close();
  }
}

/** A hub writing to the file meanwhile would leave its newest runs behind. */
async function refuseRunningHub(dataDir: string): Promise<void> {
  const text = await readFile(join(dataDir, 'hub.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let pid: unknown;
  try {
    pid = (JSON.parse(text) as { pid?: unknown }).pid;
  } catch {
    return;
  }
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return;
  }
  throw new BackupError(
    `the hub of ${dataDir} is running (pid ${pid}); stop it first: runs it stored during the move would be left behind`,
  );
}

/** Every table of this hub's schema, tables referred to before those referring to them (log_chunks after runs). */
async function copyOrder(pool: pg.Pool): Promise<string[]> {
  const tables = (
    await pool.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name != 'schema_version'
       ORDER BY table_name`,
    )
  ).rows.map((row) => row.name);
  const refs = (
    await pool.query<{ child: string; parent: string }>(
      `SELECT tc.table_name AS child, ccu.table_name AS parent FROM information_schema.table_constraints tc
       JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
       WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()`,
    )
  ).rows;
  const ordered: string[] = [];
  const visit = (table: string, path: string[]) => {
    if (ordered.includes(table) || path.includes(table)) return;
    for (const ref of refs) if (ref.child === table && ref.parent !== table) visit(ref.parent, [...path, table]);
    ordered.push(table);
  };
  for (const table of tables) visit(table, []);
  return ordered;
}

async function nonEmpty(client: pg.PoolClient, tables: string[]): Promise<string[]> {
  const held: string[] = [];
  for (const table of tables) {
    const { rows } = await client.query(`SELECT 1 FROM ${quote(table)} LIMIT 1`);
    if (rows.length > 0) held.push(table);
  }
  return held;
}

async function copyTable(
  sqlite: import('better-sqlite3').Database,
  client: pg.PoolClient,
  table: string,
  options: MigrateStoreOptions,
): Promise<number> {
  const target = (
    await client.query<{ name: string; type: string; serial: boolean }>(
      `SELECT column_name AS name, data_type AS type, column_default LIKE 'nextval(%' AS serial
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
      [table],
    )
  ).rows;
  const source = sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
  if (source.length === 0) throw new BackupError(`the SQLite database has no table ${table}; is it a floe hub's?`);
  const types = new Map(target.map((column) => [column.name, column.type]));
  const missing = source.filter((column) => !types.has(column.name)).map((column) => column.name);
  if (missing.length > 0)
    throw new BackupError(`PostgreSQL's ${table} lacks ${missing.join(', ')}: the two schemas differ; report this`);
  const columns = source.map((column) => column.name);
  const booleans = columns.map((name) => types.get(name) === 'boolean');
  const total = Number((sqlite.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n);
  const batch = options.batchRows ?? 500;
  let copied = 0;
  let rows: unknown[][] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const start = values.length;
      values.push(...row);
      return `(${row.map((_, i) => `$${start + i + 1}`).join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`,
      values,
    );
    copied += rows.length;
    rows = [];
    options.onProgress?.({ table, copied, total });
  };
  options.onProgress?.({ table, copied: 0, total });
  const read = sqlite.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}`).raw(true);
  for (const row of read.iterate() as Iterable<unknown[]>) {
    rows.push(row.map((value, i) => (booleans[i] && value !== null ? value !== 0 : value)));
    if (rows.length >= batch) await flush();
  }
  await flush();
  // A serial id (the audit log's) goes on after the highest id copied, not from 1.
  for (const column of target.filter((c) => c.serial)) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quote(column.name)}) FROM ${quote(table)}), 0) + 1, false)`,
      [table, column.name],
    );
  }
  return copied;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the database URL';
  }
}
