// `floe-hub backup | restore | migrate-store`: the hub's maintenance commands (docs/operations.md), run as their own
// short process beside (backup) or instead of (restore, migrate-store) a hub. Each prints its progress on stderr,
// what it did on stdout, and says what to do when it cannot do its work (exit 2 for a person's mistake, 1 otherwise).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BackupError, backupHub } from './backup-hub.js';
import { migrateStore } from './migrate-store.js';
import { restoreHub } from './restore-hub.js';

export const MAINTENANCE_USAGE = `Maintenance:
  floe-hub backup --out FILE [--data-dir DIR]        back up a SQLite hub, running or not (database, admin
                                                     token, artifacts) into one file
  floe-hub restore FILE --data-dir DIR               restore a backup into a data dir that holds no hub
  floe-hub migrate-store --to postgres://… [--data-dir DIR]
                                                     copy a stopped SQLite hub into an empty PostgreSQL database
  --data-dir defaults to FLOE_DATA_DIR, else .floe/hub. A hub on PostgreSQL is backed up with pg_dump
  (docs/operations.md "Backup and restore").`;

export type MaintenanceIo = {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  hubVersion: string;
};

export const MAINTENANCE_COMMANDS = ['backup', 'restore', 'migrate-store'] as const;

/** Runs one maintenance command (`argv` starts with its name); resolves with the exit status. */
export async function runMaintenance(argv: readonly string[], io: MaintenanceIo): Promise<number> {
  const [name, ...rest] = argv;
  const fail = (message: string, code = 2) => {
    io.stderr.write(`floe-hub ${name}: ${message}\n`);
    return code;
  };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: name === 'restore',
      options: {
        'data-dir': { type: 'string' },
        out: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${MAINTENANCE_USAGE}`);
  }
  if (values.help) {
    io.stdout.write(`${MAINTENANCE_USAGE}\n`);
    return 0;
  }
  const dataDir = resolve((values['data-dir'] as string | undefined) ?? (io.env.FLOE_DATA_DIR || '.floe/hub'));
  // Progress overwrites one line on a terminal, and is a line per step elsewhere (a log).
  let lastLine = '';
  const progress = (line: string) => {
    if (line === lastLine) return;
    lastLine = line;
    io.stderr.write(io.stderr.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
  };
  const done = () => {
    if (io.stderr.isTTY && lastLine) io.stderr.write('\n');
  };
  try {
    switch (name) {
      case 'backup': {
        const out = values.out as string | undefined;
        if (!out) return fail('--out FILE is needed: where to write the backup');
        const manifest = await backupHub({
          dataDir,
          out: resolve(out),
          hubVersion: io.hubVersion,
          onProgress: (step) =>
            progress(
              step.step === 'database'
                ? `copying the database: ${percent(step.copiedPages, step.totalPages)}`
                : step.step === 'files'
                  ? 'copying the admin token and artifacts'
                  : 'writing the backup file',
            ),
        });
        done();
        io.stdout.write(
          `backed up ${dataDir} to ${resolve(out)}: ${manifest.runs} runs, ${manifest.logChunks} log chunks, ${manifest.files.join(', ')}\n`,
        );
        return 0;
      }
      case 'restore': {
        const file = positionals[0];
        if (!file || positionals.length > 1) return fail('give one backup FILE: floe-hub restore FILE --data-dir DIR');
        if (!values['data-dir']) return fail('--data-dir DIR is needed: the new hub data dir to restore into');
        const manifest = await restoreHub({
          file: resolve(file),
          dataDir,
          onProgress: (step) =>
            progress(`${{ unpack: 'unpacking', check: 'checking', place: 'placing' }[step]} the backup`),
        });
        done();
        io.stdout.write(
          `restored ${manifest.runs} runs and ${manifest.logChunks} log chunks (backup of ${new Date(manifest.createdAt).toISOString()}, hub ${manifest.hubVersion}) into ${dataDir}; start the hub with --data-dir ${dataDir}\n`,
        );
        return 0;
      }
      case 'migrate-store': {
        const to = values.to as string | undefined;
        if (!to || !/^postgres(ql)?:\/\//.test(to))
          return fail('--to postgres://… is needed: the empty database to move to');
        const copied = await migrateStore({
          dataDir,
          to,
          onProgress: (step) => progress(`copying ${step.table}: ${step.copied}/${step.total} rows`),
        });
        done();
        const total = Object.values(copied).reduce((sum, n) => sum + n, 0);
        io.stdout.write(
          `copied ${total} rows (${copied.runs ?? 0} runs, ${copied.log_chunks ?? 0} log chunks) from ${dataDir} to PostgreSQL; start the hub with --database-url instead of --data-dir's database\n`,
        );
        return 0;
      }
      default:
        return fail(`unknown command\n\n${MAINTENANCE_USAGE}`);
    }
  } catch (err) {
    done();
    if (err instanceof BackupError) return fail(err.message);
    return fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
  }
}

const percent = (part: number, whole: number) => `${whole === 0 ? 100 : Math.floor((part / whole) * 100)}%`;
