import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from './diagnostic-codes.js';

const docs = readFileSync(new URL('../../../docs/floe-yaml.md', import.meta.url), 'utf8');
const sources = readdirSync(new URL('.', import.meta.url))
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'diagnostic-codes.ts')
  .map((name) => readFileSync(new URL(name, import.meta.url), 'utf8'))
  .join('\n');

/** Rows of the docs' finding tables: `| \`code\` | severity | meaning |`. */
const documented = new Map(
  [...docs.matchAll(/^\| `([a-z-]+)` +\| (error|warning) +\| (.+) \|$/gm)].map((m) => [m[1] as string, m[2] as string]),
);

describe('the diagnostic catalogue', () => {
  it.each(Object.entries(DIAGNOSTIC_CODES))('documents %s in docs/floe-yaml.md with its severity', (code, entry) => {
    expect(documented.get(code), `no row for \`${code}\` in docs/floe-yaml.md`).toBe(entry.severity);
  });

  it('documents no code that the catalogue lacks', () => {
    expect([...documented.keys()].filter((code) => !(code in DIAGNOSTIC_CODES))).toEqual([]);
  });

  it('holds only codes that the parser or linter reports', () => {
    const unused = Object.keys(DIAGNOSTIC_CODES).filter((code) => !sources.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('spells every code in kebab-case', () => {
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });
});
