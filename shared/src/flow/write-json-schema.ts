// Writes shared/floe.schema.json from the zod schema; with `--check`, exits 1 when the committed file is out of
// date (the root `check` script runs that). Run after `tsc -b shared`:
//   node shared/dist/flow/write-json-schema.js [--check] [FILE]     (FILE defaults to shared/floe.schema.json)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { floeJsonSchema } from './floe-json-schema.js';

const args = process.argv.slice(2);
const check = args.includes('--check');
const target =
  args.find((arg) => arg !== '--check') ?? fileURLToPath(new URL('../../floe.schema.json', import.meta.url));
const expected = `${JSON.stringify(floeJsonSchema(), null, 2)}\n`;

if (check) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is out of date like any other.
  }
  if (current !== expected) {
    process.stderr.write(
      `${target} is out of date with shared/src/flow/flow-schema.ts.\n` +
        'Regenerate it: npx tsc -b shared && node shared/dist/flow/write-json-schema.js, then commit it.\n',
    );
    process.exit(1);
  }
  process.stdout.write(`${target} is up to date.\n`);
} else {
  writeFileSync(target, expected);
  process.stdout.write(`wrote ${target}\n`);
}
