// `floe migrate FILE [--write]`: rewrites a config of the original floe into today's FLOE.yaml shape (the edits
// of shared/src/flow/legacy-changes.ts), keeping comments and order, and prints each change. Without --write
// nothing is saved. Exit 0 done (or nothing to do), 2 for a usage error or a file it cannot read or parse.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { migrateFloeFile } from '@floe/shared';
import { bold, type CliCommand, type CliIo, dim } from '../cli-io.js';

const USAGE = `usage: floe migrate FILE [--write]

Rewrites FILE, a config of the original floe, into today's FLOE.yaml shape and prints each change
(file:line:column what — why). Comments and the order of keys are kept. \`floe lint\` on the result reports no
legacy-* finding.
  --write   save the result to FILE (without it, nothing is written)
Exit status: 0 done or nothing to change, 2 usage error or a file that cannot be read or parsed.`;

export const command: CliCommand = {
  name: 'migrate',
  summary: "rewrite an original floe config into today's FLOE.yaml shape",
  usage: USAGE,
  run: migrate,
};

async function migrate(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`floe migrate: ${message}\n`);
    return 2;
  };
  let args: { values: { write?: boolean; help?: boolean }; positionals: string[] };
  try {
    args = parseArgs({
      args: argv,
      options: { write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (args.values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) return fail(`expected one FILE\n\n${USAGE}`);
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return fail(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const migration = migrateFloeFile(text);
  if (migration.problem) return fail(`cannot migrate ${file}: ${migration.problem}`);
  for (const change of migration.changes) {
    io.stdout.write(
      `${bold(io, `${file}:${change.line}:${change.column}`)} ${change.done} ${dim(io, `— ${change.why}`)}\n`,
    );
  }
  const count = `${migration.changes.length} change${migration.changes.length === 1 ? '' : 's'}`;
  if (migration.changes.length === 0) io.stdout.write(`${file} is already in today's shape\n`);
  else if (args.values.write) {
    await writeFile(path, migration.text);
    io.stdout.write(`${count} written to ${file}\n`);
  } else io.stdout.write(`${count}; nothing written (add --write to save them)\n`);
  return 0;
}
