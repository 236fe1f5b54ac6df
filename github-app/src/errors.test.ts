import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, FloeError } from './errors.js';

const apiDoc = new URL('../../docs/api.md', import.meta.url);

/** The rows of docs/api.md's "Error codes" table (padded or not): code → status cell. */
async function documentedCodes(): Promise<Map<string, string>> {
  const text = await readFile(apiDoc, 'utf8');
  const section = text.slice(text.indexOf('## Error codes'));
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\|\s*`(FLOE_[A-Z_]+)`\s*\|\s*([^|]+?)\s*\|/gm)) rows.set(match[1]!, match[2]!);
  return rows;
}

describe('the error catalogue', () => {
  it('is listed in docs/api.md, every code with its status', async () => {
    const rows = await documentedCodes();
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(rows.has(code), `${code} missing from docs/api.md`).toBe(true);
      const status = rows.get(code);
      if (status !== '—') expect(status, code).toBe(String(entry.status));
    }
  });

  it('documents no code the hub does not have', async () => {
    const rows = await documentedCodes();
    for (const code of rows.keys()) expect(Object.keys(ERROR_CATALOGUE), code).toContain(code);
  });

  it('gives a thrown error its code, status and default message', () => {
    const err = new FloeError('FLOE_RUN_NOT_FOUND');
    expect([err.code, err.status, err.message]).toEqual(['FLOE_RUN_NOT_FOUND', 404, 'no such run']);
    expect(new FloeError('FLOE_FORBIDDEN', 'needs admin').message).toBe('needs admin');
  });
});
