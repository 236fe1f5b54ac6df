// `floe-hub backup --out FILE` (docs/operations.md "Backup and restore"): one file holding everything a SQLite hub
// keeps — the database with every run, log and token hash (SQLite's online backup, so the hub may go on running and
// writing), the log files its rows point into, the admin token file and the artifacts folder when there are
// ones — plus a manifest that `restore` checks. The log files are copied after the database: they are append-only
// and written before their rows commit, so they hold every byte the copied rows know (check-log-files.ts).
// The file is a gzipped tar, written beside OUT and renamed into place at the end: a failed backup leaves no file that
// looks like one.
import { chmod, copyFile, cp, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { create as createTar } from 'tar';
import { sqliteFile, sqliteLogDir } from '../store/sqlite/sqlite-store.js';
import { BACKUP_FORMAT, type BackupManifest, MANIFEST_FILE } from './backup-manifest.js';
import { missingLogBytes } from './check-log-files.js';

/** What a backup says as it goes, for the command line. */
export type BackupProgress =
  | { step: 'database'; copiedPages: number; totalPages: number }
  | { step: 'files' | 'archive' };

export type BackupOptions = {
  dataDir: string;
  out: string;
  /** The hub's version, kept in the manifest. */
  hubVersion: string;
  onProgress?: (progress: BackupProgress) => void;
};

/** A backup that cannot be made, with what to do about it. */
export class BackupError extends Error {}

/** Writes the backup; resolves with its manifest. Rejects with a BackupError for what the person can fix. */
export async function backupHub(options: BackupOptions): Promise<BackupManifest> {
  const database = sqliteFile(options.dataDir);
  if (!(await exists(database)))
    throw new BackupError(
      `no hub database in ${options.dataDir} (floe.db); pass the hub's --data-dir. A hub on PostgreSQL is backed up with pg_dump (docs/operations.md)`,
    );
  if (await exists(options.out)) throw new BackupError(`${options.out} exists already; choose another --out`);
  const outDir = dirname(options.out);
  if (!(await exists(outDir)))
    throw new BackupError(`cannot write ${options.out}: the folder ${outDir} does not exist`);
  const staging = await mkdtemp(join(outDir, '.floe-backup-'));
  const partial = `${options.out}.partial`;
  try {
    // The online backup copies pages in steps, letting the running hub write between them; a page it changes meanwhile
    // is copied again, so the copy is one consistent moment of the database.
    const source = new Database(database, { fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      await source.backup(join(staging, 'floe.db'), {
        progress: ({ totalPages, remainingPages }) => {
          options.onProgress?.({ step: 'database', copiedPages: totalPages - remainingPages, totalPages });
          return 1000;
        },
      });
    } finally {
      source.close();
    }
    options.onProgress?.({ step: 'files' });
    const files: BackupManifest['files'] = ['floe.db'];
    if (await exists(sqliteLogDir(options.dataDir))) {
      await cp(sqliteLogDir(options.dataDir), sqliteLogDir(staging), { recursive: true });
      files.push('logs');
    }
    dropRunsPrunedMeanwhile(join(staging, 'floe.db'), sqliteLogDir(staging), database);
    const counts = checkCopy(join(staging, 'floe.db'));
    if (await exists(join(options.dataDir, 'admin-token'))) {
      await copyFile(join(options.dataDir, 'admin-token'), join(staging, 'admin-token'));
      files.push('admin-token');
    }
    if (await exists(join(options.dataDir, 'artifacts'))) {
      await cp(join(options.dataDir, 'artifacts'), join(staging, 'artifacts'), { recursive: true });
      files.push('artifacts');
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      hubVersion: options.hubVersion,
      createdAt: Date.now(),
      ...counts,
      files,
    };
    await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    options.onProgress?.({ step: 'archive' });
    // Only its owner reads it: it holds the admin token and every run's logs.
    await writeFile(partial, '', { mode: 0o600 });
    await chmod(partial, 0o600);
    await createTar({ gzip: true, file: partial, cwd: staging, portable: true }, [MANIFEST_FILE, ...files]);
    await rename(partial, options.out);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

/**
 * Retention may delete a run (its rows, then its files) between the copy of the database and the copy of the
 * files: such a run is dropped from the copy as it was from the hub. A log that lacks bytes while its run is still
 * in the hub fails the backup (retention cutting that log meanwhile does so too; backing up again succeeds).
 */
function dropRunsPrunedMeanwhile(copyFile: string, copyLogDir: string, liveFile: string): void {
  const copy = new Database(copyFile, { fileMustExist: true });
  try {
    const missing = missingLogBytes(copy, copyLogDir);
    if (missing.length === 0) return;
    const live = new Database(liveFile, { readonly: true, fileMustExist: true });
    let kept: typeof missing;
    try {
      const stillThere = live.prepare('SELECT 1 FROM runs WHERE id = ?');
      kept = missing.filter((log) => stillThere.get(log.runId) !== undefined);
    } finally {
      live.close();
    }
    if (kept[0])
      throw new BackupError(
        `the log of node ${JSON.stringify(kept[0].node)} of run ${kept[0].runId} has ${kept[0].has} of its ${kept[0].end} bytes in ${copyLogDir}; ${kept.length} log(s) so; try the backup again, and if it fails again the hub's log files are damaged`,
      );
    const drop = copy.transaction((ids: string[]) => {
      for (const id of ids)
        for (const table of ['log_chunks', 'run_reports', 'runs'])
          copy.prepare(`DELETE FROM ${table} WHERE ${table === 'runs' ? 'id' : 'run_id'} = ?`).run(id);
    });
    drop([...new Set(missing.map((log) => log.runId))]);
  } finally {
    copy.close();
  }
}

/** The copy is whole (SQLite's integrity check), and what it holds, for the manifest. */
function checkCopy(file: string): Pick<BackupManifest, 'schemaVersion' | 'runs' | 'logChunks'> {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the copied database fails SQLite's integrity check (${String(check)})`);
    const count = (sql: string) => Number((copy.prepare(sql).get() as { n: number | null }).n ?? 0);
    return {
      schemaVersion: count('SELECT max(version) AS n FROM schema_version'),
      runs: count('SELECT count(*) AS n FROM runs'),
      logChunks: count('SELECT count(*) AS n FROM log_chunks'),
    };
  } finally {
    copy.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
