import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpPost } from './http-post.js';
import { cidr, isPublicAddress } from './public-address.js';

// A real server on loopback that records every request: "refused" means "nothing was sent".
const got: { method: string; url: string; body: string; type: string | undefined }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    got.push({ method: req.method ?? '', url: req.url ?? '', body, type: req.headers['content-type'] });
    if (req.url === '/moved') return res.writeHead(308, { location: '/elsewhere' }).end();
    res.writeHead(202).end('a long answer nobody reads'.repeat(10_000));
  });
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe('httpPost', () => {
  it('sends the body with its headers and resolves with the status, the answer drained', async () => {
    const answer = await httpPost(`${base}/hook`, '{"a":1}', { headers: { 'content-type': 'application/json' } });
    expect(answer).toEqual({ status: 202 });
    expect(got.at(-1)).toEqual({ method: 'POST', url: '/hook', body: '{"a":1}', type: 'application/json' });
  });

  it('answers a redirect with its status and does not follow it', async () => {
    const before = got.length;
    expect(await httpPost(`${base}/moved`, 'x')).toEqual({ status: 308 });
    expect(got.slice(before).map((g) => g.url)).toEqual(['/moved']);
  });

  it('refuses a scheme or an address outside the policy before sending anything', async () => {
    const before = got.length;
    await expect(httpPost(`${base}/hook`, 'x', { protocols: ['https:'] })).rejects.toThrow(
      'http URLs are refused (only https)',
    );
    await expect(
      httpPost(`${base}/hook`, 'x', { allowAddress: (address) => isPublicAddress(address) }),
    ).rejects.toThrow('127.0.0.1 is a private address (127.0.0.1), which is refused');
    await expect(
      httpPost(`http://localhost:${new URL(base).port}/hook`, 'x', { allowAddress: (a) => isPublicAddress(a) }),
    ).rejects.toThrow(/localhost is a private address/);
    expect(got.length).toBe(before);
    // Allowed by name, the same address is reached.
    const allowed = [cidr('127.0.0.1/32')];
    expect(await httpPost(`${base}/hook`, 'x', { allowAddress: (a) => isPublicAddress(a, allowed) })).toEqual({
      status: 202,
    });
  });
});
