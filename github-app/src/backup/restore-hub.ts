// `floe-hub restore FILE --data-dir D` (docs/operations.md "Backup and restore"): unpacks a backup made by
// backup-hub.ts into a data dir that holds no hub yet, checks that what it unpacked is what the manifest says, and
// only then moves it into place. A backup file is input like any other: entries outside the few a backup holds, links,
// and paths that climb out are refused, and nothing is written to D until the whole file has been checked.
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { extract } from 'tar';
import { sqliteFile, sqliteLogDir } from '../store/sqlite/sqlite-store.js';
import { BackupError } from './backup-hub.js';
import { type BackupManifest, BackupManifestSchema, MANIFEST_FILE } from './backup-manifest.js';
import { missingLogBytes } from './check-log-files.js';

export type RestoreOptions = {
  file: string;
  dataDir: string;
  onProgress?: (step: 'unpack' | 'check' | 'place') => void;
};

const TOP_LEVEL = new Set([MANIFEST_FILE, 'floe.db', 'logs', 'admin-token', 'artifacts']);

/** Restores; resolves with the backup's manifest. Rejects with a BackupError for what the person can fix. */
export async function restoreHub(options: RestoreOptions): Promise<BackupManifest> {
  const dataDir = resolve(options.dataDir);
  if (!(await exists(options.file))) throw new BackupError(`no backup file at ${options.file}`);
  if (await exists(sqliteFile(dataDir)))
    throw new BackupError(
      `${dataDir} holds a hub already (floe.db); restore into a new --data-dir, or move that one away first`,
    );
  await mkdir(dataDir, { recursive: true });
  // Unpacked beside D (same file system, so the last step is renames), never inside it.
  const staging = await mkdtemp(join(dirname(dataDir), '.floe-restore-'));
  try {
    options.onProgress?.('unpack');
    const refused: string[] = [];
    try {
      await extract({
        file: options.file,
        cwd: staging,
        strict: true,
        // Plain files and folders under the names a backup has; node-tar itself refuses absolute paths and `..`.
        filter: (path, entry) => {
          const type = 'type' in entry ? entry.type : 'File';
          const top = path.replace(/^\.\//, '').split('/')[0] ?? '';
          const ok = (type === 'File' || type === 'Directory') && TOP_LEVEL.has(top);
          if (!ok) refused.push(path);
          return ok;
        },
      });
    } catch (err) {
      throw new BackupError(`${options.file} is not a floe hub backup (${(err as Error).message})`);
    }
    if (refused.length > 0)
      throw new BackupError(
        `${options.file} holds entries a floe hub backup does not (${refused.slice(0, 3).join(', ')}); nothing was restored`,
      );
    options.onProgress?.('check');
    const manifest = await readManifest(staging, options.file);
    checkDatabase(join(staging, 'floe.db'), sqliteLogDir(staging), manifest);
    options.onProgress?.('place');
    for (const name of manifest.files) {
      if (await exists(join(dataDir, name)))
        throw new BackupError(`${join(dataDir, name)} exists already; restore into a new --data-dir`);
    }
    for (const name of manifest.files) await rename(join(staging, name), join(dataDir, name));
    if (manifest.files.includes('admin-token')) await chmod(join(dataDir, 'admin-token'), 0o600);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readManifest(staging: string, file: string): Promise<BackupManifest> {
  const text = await readFile(join(staging, MANIFEST_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) throw new BackupError(`${file} has no ${MANIFEST_FILE}: it is not a floe hub backup`);
  let parsed: ReturnType<typeof BackupManifestSchema.safeParse>;
  try {
    parsed = BackupManifestSchema.safeParse(JSON.parse(text));
  } catch {
    throw new BackupError(`${file}: ${MANIFEST_FILE} is not JSON`);
  }
  if (!parsed.success)
    throw new BackupError(`${file}: ${MANIFEST_FILE} is not one this hub reads (${parsed.error.issues[0]?.message})`);
  const present = new Set(await readdir(staging));
  for (const name of parsed.data.files) {
    if (!present.has(name)) throw new BackupError(`${file} lacks ${name}, which its manifest lists`);
  }
  return parsed.data;
}

/** The unpacked database is whole and holds the runs and log chunks the manifest counted. */
function checkDatabase(path: string, logDir: string, manifest: BackupManifest): void {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new BackupError(`the backup's database cannot be opened (${(err as Error).message})`);
  }
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok')
      throw new BackupError(`the backup's database fails SQLite's integrity check (${String(check)})`);
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    const runs = count('SELECT count(*) AS n FROM runs');
    const logChunks = count('SELECT count(*) AS n FROM log_chunks');
    if (runs !== manifest.runs || logChunks !== manifest.logChunks)
      throw new BackupError(
        `the backup's database holds ${runs} runs and ${logChunks} log chunks where its manifest says ${manifest.runs} and ${manifest.logChunks}`,
      );
    const missing = missingLogBytes(db, logDir);
    if (missing[0])
      throw new BackupError(
        `the backup lacks log bytes its database refers to (node ${JSON.stringify(missing[0].node)} of run ${missing[0].runId}: ${missing[0].has} of ${missing[0].end} bytes; ${missing.length} log(s) so); nothing was restored`,
      );
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`the backup's database is not a floe hub's (${(err as Error).message})`);
  } finally {
    db.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
