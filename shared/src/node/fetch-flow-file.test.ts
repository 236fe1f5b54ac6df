import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchFlowFile } from './fetch-flow-file.js';
import { httpGet } from './http-get.js';
import { isPublicAddress } from './public-address.js';

// A real server on loopback: every request it gets is counted, so "refused" means "nothing was sent".
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  if (req.url === '/redirect-private') {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    return;
  }
  if (req.url === '/redirect-other-address') {
    res.writeHead(307, { location: `http://127.0.0.2:${port}/ok` }).end();
    return;
  }
  if (req.url === '/redirect-file') {
    res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    return;
  }
  res.writeHead(200).end('id: f\n');
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

describe('fetchFlowFile', () => {
  it.each([
    ['http://127.0.0.1:PORT/ok', /http URLs, which are refused \(only https\)/],
    ['https://127.0.0.1:PORT/ok', /127\.0\.0\.1 is a private address \(127\.0\.0\.1\), which is refused/],
    ['https://localhost:PORT/ok', /localhost is a private address \((127\.0\.0\.1|::1)\), which is refused/],
    ['https://[::1]:PORT/ok', /a private address \(::1\)/],
    ['https://169.254.169.254/latest/meta-data/', /a private address \(169\.254\.169\.254\)/],
    ['https://[::ffff:127.0.0.1]:PORT/ok', /a private address/],
    ['https://2130706433:PORT/ok', /a private address \(127\.0\.0\.1\)/],
  ])('refuses %s before sending anything', async (url, reason) => {
    const before = requests;
    await expect(fetchFlowFile(url.replace('PORT', String(port)))).rejects.toThrow(reason);
    expect(requests).toBe(before);
  });
});

describe('httpGet with an address check', () => {
  // Loopback stands in for a public server here: 127.0.0.1 is allowed, every other address is not.
  const only127 = { allowAddress: (address: string) => address === '127.0.0.1' };

  it('checks every redirect: to a private address, to another address, to another scheme', async () => {
    const answer = await httpGet(`http://127.0.0.1:${port}/ok`, only127);
    expect(answer.status).toBe(200);
    answer.body.destroy();
    await expect(httpGet(`http://127.0.0.1:${port}/redirect-private`, only127)).rejects.toThrow(
      /169\.254\.169\.254 is a private address/,
    );
    const before = requests;
    await expect(httpGet(`http://127.0.0.1:${port}/redirect-other-address`, only127)).rejects.toThrow(
      /127\.0\.0\.2 is a private address \(127\.0\.0\.2\), which is refused/,
    );
    expect(requests).toBe(before + 1);
    await expect(httpGet(`http://127.0.0.1:${port}/redirect-file`, only127)).rejects.toThrow(
      /redirects to file URLs, which are refused/,
    );
  });

  it('refuses a host name whose addresses are not public, when the policy says so', async () => {
    await expect(httpGet(`http://localhost:${port}/ok`, { allowAddress: (a) => isPublicAddress(a) })).rejects.toThrow(
      /localhost is a private address/,
    );
  });
});
