import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webStatic } from './web-static.js';

describe('webStatic', () => {
  let root: string;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'floe-web-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><floe-app></floe-app>');
    await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    await writeFile(join(tmpdir(), 'floe-web-secret.txt'), 'secret');
    app = Fastify();
    app.setNotFoundHandler((_request, reply) => reply.code(404).send({ code: 'FLOE_NOT_FOUND' }));
    app.get('/api/me', async () => ({ name: 'x' }));
    await app.register(webStatic, { root });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves index.html for the app routes the hub links to', async () => {
    for (const path of ['/', '/runs/r1', '/flows/octo/repo/build', '/runners?x=1']) {
      const response = await fetch(base + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<floe-app>');
    }
  });

  it('serves hashed assets with their type and a long cache', async () => {
    const response = await fetch(`${base}/assets/index-abc.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(await response.text()).toBe('console.log(1)');
  });

  it('keeps JSON 404s for the API and missing assets, and never leaves the root', async () => {
    expect(await (await fetch(`${base}/api/nope`)).json()).toEqual({ code: 'FLOE_NOT_FOUND' });
    expect((await fetch(`${base}/api/me`)).status).toBe(200);
    expect((await fetch(`${base}/assets/gone.js`)).status).toBe(404);
    const outside = await fetch(`${base}/..%2ffloe-web-secret.txt`);
    expect(await outside.text()).not.toContain('secret');
  });
});
