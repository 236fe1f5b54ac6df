// `floe lint [FILE…] [--json]`: every finding of the FLOE.yaml parser and linter (the same `parseFloeFile` the hub
// and VS Code run), one line each. Exit 0 without errors, 1 with an error, 2 for a usage error or a missing file.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Diagnostic, parseFloeFile } from '@floe/shared';
import { bold, type CliCommand, type CliIo, dim, red, yellow } from '../cli-io.js';

const USAGE = `usage: floe lint [FILE…] [--json]

Checks FLOE.yaml files (default: ./FLOE.yaml; a directory means its FLOE.yaml) and prints every finding as
  file:line:column severity code message
  --json   print only a JSON array of {file, line, column, endLine, endColumn, severity, code, message, hint?}
Exit status: 0 no errors (warnings allowed), 1 an error, 2 usage error or unreadable file.`;

export const command: CliCommand = {
  name: 'lint',
  summary: 'check FLOE.yaml files and print every error and warning',
  usage: USAGE,
  run: lint,
};

async function lint(argv: string[], io: CliIo): Promise<number> {
  let args: { values: { json?: boolean; help?: boolean }; positionals: string[] };
  try {
    args = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr.write(`floe lint: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const files = args.positionals.length > 0 ? args.positionals : ['FLOE.yaml'];
  const diagnostics: Diagnostic[] = [];
  let unreadable = false;
  for (const file of files) {
    const read = await readFloeFile(io.cwd, file);
    if ('problem' in read) {
      io.stderr.write(`floe lint: cannot read ${file}: ${read.problem}\n`);
      unreadable = true;
      continue;
    }
    diagnostics.push(...parseFloeFile(read.text, read.shown).diagnostics);
  }

  if (args.values.json) {
    const rows = diagnostics.map(({ file, line, column, endLine, endColumn, severity, code, message, hint }) => ({
      file,
      line,
      column,
      endLine,
      endColumn,
      severity,
      code,
      message,
      ...(hint ? { hint } : {}),
    }));
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    for (const d of diagnostics) {
      const severity = d.severity === 'error' ? red(io, 'error') : yellow(io, 'warning');
      io.stdout.write(`${bold(io, `${d.file}:${d.line}:${d.column}`)} ${severity} ${dim(io, d.code)} ${d.message}\n`);
      if (d.hint) io.stdout.write(`    hint: ${d.hint}\n`);
    }
    io.stdout.write(`${summary(diagnostics, files.length)}\n`);
  }
  if (unreadable) return 2;
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

/** The text of a FLOE.yaml named on the command line, or why it cannot be read. */
async function readFloeFile(cwd: string, file: string): Promise<{ text: string; shown: string } | { problem: string }> {
  let path = resolve(cwd, file);
  let shown = file;
  try {
    if ((await stat(path)).isDirectory()) {
      path = join(path, 'FLOE.yaml');
      shown = join(file, 'FLOE.yaml');
    }
    return { text: await readFile(path, 'utf8'), shown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: `no such file (${path})` };
    if (code === 'EACCES') return { problem: 'permission denied' };
    return { problem: (error as Error).message };
  }
}

function summary(diagnostics: Diagnostic[], fileCount: number): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const files = `${fileCount} file${fileCount === 1 ? '' : 's'}`;
  if (diagnostics.length === 0) return `no problems in ${files}`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${files}`;
}
