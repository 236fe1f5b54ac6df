import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

// Issue 5's budget: the dashboard's JavaScript, gzipped, at most 150 KB.
const BUDGET_BYTES = 150 * 1024;

describe('the built dashboard', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('keeps its JavaScript under 150 KB gzipped', async () => {
    out = await mkdtemp(join(tmpdir(), 'floe-web-build-'));
    const root = fileURLToPath(new URL('..', import.meta.url));
    await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: out } });
    const assets = join(out, 'assets');
    const scripts = (await readdir(assets)).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const name of scripts) gzipped += gzipSync(await readFile(join(assets, name)), { level: 9 }).length;
    console.log(`dashboard JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped (budget 150 KB)`);
    expect(gzipped).toBeLessThan(BUDGET_BYTES);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('<floe-app>');
  });
});
