import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAdminToken } from './admin-token.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-admin-token-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadAdminToken', () => {
  it('generates a token once, keeps it with mode 0600 and returns the same one after a restart', async () => {
    const dataDir = join(dir, 'hub');
    const first = await loadAdminToken(dataDir, undefined);
    expect(first).toMatchObject({ source: 'generated', file: join(dataDir, 'admin-token') });
    expect(first.token).toMatch(/^floe_[\w-]{43}$/);
    expect((await stat(join(dataDir, 'admin-token'))).mode & 0o777).toBe(0o600);
    const second = await loadAdminToken(dataDir, undefined);
    expect(second).toMatchObject({ source: 'file', token: first.token });
  });

  it('uses a given token and writes nothing', async () => {
    const given = await loadAdminToken(dir, 'x'.repeat(20));
    expect(given).toEqual({ token: 'x'.repeat(20), source: 'config' });
    await expect(readFile(join(dir, 'admin-token'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
