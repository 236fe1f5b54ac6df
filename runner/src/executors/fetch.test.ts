import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testContext } from '../testing/test-context.js';
import { executeTask } from './execute-task.js';

// The original floe's test file and its digests.
const CONTENT = 'this is a file with known hashes';
const digest = (algo: string) => createHash(algo).update(CONTENT).digest('hex');
const SHA256 = digest('sha256');

let server: Server;
let base: string;
let hits: number;

beforeEach(async () => {
  hits = 0;
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/files/known.txt') res.writeHead(200, { 'content-length': CONTENT.length }).end(CONTENT);
    else if (req.url === '/slow') {
      // Half now, half after more than a second (the margin is for a loaded machine): one progress line is due in between.
      res.writeHead(200, { 'content-length': 2 * 1024 });
      res.write(Buffer.alloc(1024, 'a'));
      setTimeout(() => res.end(Buffer.alloc(1024, 'b')), 1_400);
    } else if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': 10_000 });
      res.write('partial');
    } else if (req.url === '/named')
      res.writeHead(200, { 'content-disposition': 'attachment; filename="report.csv"' }).end('a,b\n');
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  server.close();
});

describe('fetch', () => {
  it.each([
    ['sha256', digest('sha256')],
    ['sha1', digest('sha1')],
    ['md5', digest('md5')],
  ])('verifies a %s checksum, given or inferred from its length', async (algo, hex) => {
    for (const opts of [{ checksum: hex, 'checksum-algo': algo }, { checksum: hex }]) {
      const t = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt`, ...opts } });
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(await readFile(join(t.ctx.workspace, 'known.txt'), 'utf8')).toBe(CONTENT);
    }
  });

  it('serves a second fetch with the same checksum from the cache, without the network', async () => {
    const first = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt`, checksum: SHA256 } });
    expect(await executeTask(first.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    const second = await testContext(
      { type: 'fetch', opts: { url: `${base}/files/known.txt`, checksum: SHA256, location: 'bin/' } },
      { cacheDir: first.ctx.cacheDir },
    );
    expect(await executeTask(second.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await readFile(join(second.ctx.workspace, 'bin', 'known.txt'), 'utf8')).toBe(CONTENT);
    expect(second.text('sys')).toContain('using the cached download');
    expect(await readdir(join(first.ctx.cacheDir, 'tmp'))).toEqual([]);
  });

  it('names both digests on a mismatch, and caches nothing', async () => {
    const wrong = 'a'.repeat(64);
    const t = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt`, checksum: wrong } });
    expect(await executeTask(t.ctx)).toEqual({
      kind: 'error',
      message: `checksum mismatch for ${base}/files/known.txt: expected sha256 ${wrong}, got ${SHA256}`,
    });
    await expect(stat(join(t.ctx.workspace, 'known.txt'))).rejects.toThrow();
    await expect(stat(join(t.ctx.cacheDir, `sha256-${wrong}`))).rejects.toThrow();
    expect(await readdir(join(t.ctx.cacheDir, 'tmp'))).toEqual([]);
  });

  it('refuses a checksum that is not hex of a known length', async () => {
    for (const checksum of ['zz-not-hex', 'g'.repeat(64), `${SHA256.slice(0, 40)} file.txt`]) {
      const algo = checksum.length === 64 ? {} : { 'checksum-algo': 'sha256' };
      const t = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt`, checksum, ...algo } });
      const outcome = await executeTask(t.ctx);
      expect(outcome).toEqual({ kind: 'error', message: expect.stringMatching(/^checksum \S+ is not a/) });
    }
    expect(hits).toBe(0);
  });

  it('takes the file name from the checksum, then Content-Disposition, then the URL', async () => {
    const t = await testContext({
      type: 'fetch',
      opts: { url: `${base}/files/known.txt`, checksum: `${SHA256} x.bin` },
    });
    await executeTask(t.ctx);
    expect(await readFile(join(t.ctx.workspace, 'x.bin'), 'utf8')).toBe(CONTENT);
    const named = await testContext({ type: 'fetch', opts: { url: `${base}/named` } });
    expect(await executeTask(named.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await readFile(join(named.ctx.workspace, 'report.csv'), 'utf8')).toBe('a,b\n');
  });

  it('downloads without a checksum every time, with a warning', async () => {
    for (let i = 0; i < 2; i++) {
      const t = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt`, location: 'dl/file' } });
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(await readFile(join(t.ctx.workspace, 'dl', 'file'), 'utf8')).toBe(CONTENT);
      expect(t.text('sys')).toContain('has no checksum, so the download cannot be verified');
    }
    expect(hits).toBe(2);
  });

  it('places location relative to the workspace, and refuses one that leaves it', async () => {
    const t = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt`, location: './a/b.txt' } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(await readFile(join(t.ctx.workspace, 'a', 'b.txt'), 'utf8')).toBe(CONTENT);
    const out = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt`, location: '../b.txt' } });
    expect(await executeTask(out.ctx)).toEqual({ kind: 'error', message: 'location ../b.txt leaves the workspace' });
  });

  it('logs progress with bytes and total at most every second', async () => {
    const t = await testContext({ type: 'fetch', opts: { url: `${base}/slow` } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(t.text('sys')).toContain('1024 / 2048 bytes (50%)\n');
    expect(t.text('sys').match(/ bytes \(/g)?.length).toBe(1); // not one per piece or per 300 ms
  });

  it('stops a download promptly when cancelled', async () => {
    const t = await testContext({ type: 'fetch', opts: { url: `${base}/stall` } });
    const outcome = executeTask(t.ctx);
    setTimeout(() => t.cancel(), 100);
    expect(await outcome).toEqual({ kind: 'cancelled' });
    server.closeAllConnections();
  });

  it('reports a 404 and a refused connection as errors', async () => {
    const t = await testContext({ type: 'fetch', opts: { url: `${base}/missing` } });
    expect(await executeTask(t.ctx)).toEqual({
      kind: 'error',
      message: `download of ${base}/missing failed: HTTP 404 Not Found`,
    });
    server.close();
    server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refused = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt` } });
    expect(await executeTask(refused.ctx)).toEqual({
      kind: 'error',
      message: `download of ${base}/files/known.txt failed: ECONNREFUSED`,
    });
  });

  it('in an untrusted run, refuses loopback, private and link-local addresses before connecting', async () => {
    const port = new URL(base).port;
    for (const url of [
      `${base}/files/known.txt`,
      `http://localhost:${port}/files/known.txt`,
      `http://[::ffff:127.0.0.1]:${port}/files/known.txt`,
      `http://2130706433:${port}/files/known.txt`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/x',
    ]) {
      const t = await testContext({ type: 'fetch', opts: { url } }, { run: { trust: 'untrusted' } });
      const outcome = await executeTask(t.ctx);
      expect(outcome, url).toMatchObject({ kind: 'error', message: expect.stringMatching(/not a public address/) });
    }
    expect(hits).toBe(0);
    // The same download in a trusted run reaches the server (a team's own artifact server is often private).
    const trusted = await testContext({ type: 'fetch', opts: { url: `${base}/files/known.txt` } });
    expect(await executeTask(trusted.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(hits).toBe(1);
  });
});
