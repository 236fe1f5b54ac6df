import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFloeClient } from './create-floe-client.js';

// A plain HTTP server that answers what a hub of another version, or a proxy in front of it, might answer.
let server: Server;
let base: string;
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request);
    if (request.url === '/api/me') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"ann","role":"operator"}');
    } else if (request.url === '/api/flows') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"flows":[]}');
    } else if (request.url === '/api/runners') {
      response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>');
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"FLOE_NOT_FOUND","message":"no"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err,
  );

describe('createFloeClient', () => {
  it('sends the token as a bearer and parses the answer', async () => {
    expect(await createFloeClient({ baseUrl: base, token: 't0k' }).me()).toEqual({ name: 'ann', role: 'operator' });
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer t0k');
  });

  it("rejects with the hub's code and status", async () => {
    expect(await failure(createFloeClient({ baseUrl: base }).run('x'))).toMatchObject({
      name: 'FloeApiError',
      status: 404,
      code: 'FLOE_NOT_FOUND',
      message: 'no',
    });
  });

  it('rejects an answer of the wrong shape or not from a hub as FLOE_BAD_RESPONSE', async () => {
    const client = createFloeClient({ baseUrl: base });
    expect(await failure(client.flows())).toMatchObject({ status: 200, code: 'FLOE_BAD_RESPONSE' });
    expect(await failure(client.runners())).toMatchObject({ status: 502, code: 'FLOE_BAD_RESPONSE' });
  });

  it('rejects as FLOE_UNREACHABLE when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await failure(createFloeClient({ baseUrl: `http://127.0.0.1:${port}` }).health())).toMatchObject({
      status: 0,
      code: 'FLOE_UNREACHABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });
});
