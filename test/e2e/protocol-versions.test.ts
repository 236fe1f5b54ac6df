// Protocol versions over real WebSockets (DESIGN §5 "Protocol versions"): the built floe-hub agrees on the newest
// version both sides speak and refuses a runner outside its range naming both ranges and who must upgrade; the
// built runner, against a hub played by this test, exits when it is the one behind (status 78, which its service
// unit does not restart) and waits for the hub when the hub is behind.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { type HubProcess, killSpawned, removeTempDirs, startHub, startRunner, waitFor } from '../support/index.js';

const P = PROTOCOL_VERSION;
const MIN = MIN_PROTOCOL_VERSION;
const range = (min: number, max: number) => (min === max ? `version ${max}` : `versions ${min}–${max}`);

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHub({ leaseMs: 3_000, heartbeatMs: 300 });
}, 120_000);
afterAll(async () => {
  await killSpawned();
  removeTempDirs();
});

/** Says hello on a fresh socket to the real hub; resolves with its first answer and the close code. */
async function sayHello(
  fields: Record<string, unknown>,
): Promise<{ answer: Record<string, unknown>; closed: Promise<number> }> {
  const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/api/runners/connect`);
  const closed = new Promise<number>((resolve) => ws.on('close', resolve));
  const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))));
    ws.once('error', reject);
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'hello', name: 'probe', tags: [], slots: 1, version: '0.0.0', runs: [], ...fields }));
  const first = await answer;
  if (first.type === 'welcome') ws.close();
  return { answer: first, closed };
}

async function credential(name: string): Promise<string> {
  const response = await fetch(new URL('/api/runners/register', hub.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: await hub.runnerToken(), name }),
  });
  return ((await response.json()) as { credential: string }).credential;
}

describe('the hub agrees on a protocol version', () => {
  it('welcomes a runner whose range reaches past its own with its newest version', async () => {
    const { answer } = await sayHello({ credential: await credential('newer'), minProtocol: MIN, protocol: P + 5 });
    expect(answer).toMatchObject({ type: 'welcome', protocol: P });
  });

  it('welcomes a runner that names one version (no range) as the first runners do', async () => {
    const { answer } = await sayHello({ credential: await credential('first'), protocol: P });
    expect(answer).toMatchObject({ type: 'welcome', protocol: P });
  });

  it('refuses a runner whose range lies above its own: both ranges named, the hub to upgrade', async () => {
    const { answer, closed } = await sayHello({ credential: 'x', minProtocol: P + 1, protocol: P + 2 });
    expect(answer).toEqual({
      type: 'refused',
      code: 'incompatible-version',
      protocol: P,
      minProtocol: MIN,
      message: `the runner speaks protocol ${range(P + 1, P + 2)}, the hub ${range(MIN, P)}; upgrade floe on the hub`,
    });
    expect(await closed).toBe(1008);
  });

  it('refuses a runner whose range lies below its own: the runner to upgrade', async () => {
    const { answer, closed } = await sayHello({ credential: 'x', minProtocol: MIN - 3, protocol: MIN - 1 });
    expect(answer).toMatchObject({
      type: 'refused',
      code: 'incompatible-version',
      message: `the runner speaks protocol ${range(MIN - 3, MIN - 1)}, the hub ${range(MIN, P)}; upgrade floe on the runner`,
    });
    expect(await closed).toBe(1008);
  });
});

/** A hub played by the test: registration answers a credential, each hello gets `answer(hello)`. */
async function fakeHub(answer: (hello: Record<string, unknown>) => Record<string, unknown>) {
  const hellos: Record<string, unknown>[] = [];
  /** Every message after a hello. */
  const later: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/runners/register') return res.end(JSON.stringify({ runnerId: 'r-1', credential: 'c-1' }));
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: '/api/runners/connect' });
  wss.on('connection', (ws) => {
    ws.once('message', (data) => {
      const hello = JSON.parse(String(data));
      hellos.push(hello);
      const reply = answer(hello);
      ws.send(JSON.stringify(reply));
      if (reply.type === 'refused') ws.close(1008, 'incompatible-version');
      ws.on('message', (more) => {
        const message = JSON.parse(String(more));
        later.push(message);
        // A hub that answers: the runner drops a session whose hub stays silent for three heartbeats.
        if (message.type === 'heartbeat') ws.send(JSON.stringify({ type: 'heartbeat' }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hellos,
    later,
    close: () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close();
    },
  };
}

const refusal = (min: number, max: number) => ({
  type: 'refused',
  code: 'incompatible-version',
  protocol: max,
  minProtocol: min,
  message: `the hub speaks protocol ${range(min, max)}`,
});

describe('the runner, told its protocol does not fit', () => {
  it('exits with 78 when it is the one behind, naming both ranges', async () => {
    const fake = await fakeHub(() => refusal(P + 1, P + 3));
    const runner = startRunner({ hub: fake.url, token: 't', name: 'behind' });
    expect(await runner.exited).toBe(78);
    expect(runner.output()).toContain(`the hub speaks protocol ${range(P + 1, P + 3)}`);
    // Its hello named its range; not retried: one hello, then a person must upgrade the runner.
    expect(fake.hellos).toEqual([expect.objectContaining({ type: 'hello', protocol: P, minProtocol: MIN })]);
    fake.close();
  });

  it('waits for the hub, trying again, when the hub is the one behind', async () => {
    const fake = await fakeHub(() => refusal(MIN - 2, MIN - 1));
    const runner = startRunner({ hub: fake.url, token: 't', name: 'ahead', env: { FLOE_RUNNER_BACKOFF_MAX: '200ms' } });
    let exited = false;
    void runner.exited.then(() => {
      exited = true;
    });
    await waitFor(() => fake.hellos.length >= 3, { timeoutMs: 20_000, what: 'three hellos' });
    expect(runner.output()).toContain('waiting for the hub to be upgraded');
    expect(runner.output()).toContain(`the hub speaks protocol ${range(MIN - 2, MIN - 1)}`);
    expect(exited).toBe(false);
    await runner.stop();
    fake.close();
  });

  it('refuses a welcome outside its own range, as a hub would refuse its hello', async () => {
    const fake = await fakeHub(() => ({
      type: 'welcome',
      protocol: P + 7,
      runnerId: 'r-1',
      heartbeatMs: 300,
      leaseMs: 3000,
      runs: [],
    }));
    const runner = startRunner({ hub: fake.url, token: 't', name: 'strict' });
    expect(await runner.exited).toBe(78);
    expect(runner.output()).toContain(
      `the hub chose protocol version ${P + 7}: the runner speaks protocol ${range(MIN, P)}, the hub ${range(P + 7, P + 7)}; upgrade floe on the runner`,
    );
    fake.close();
  });
});

const welcome = (protocol: number) => ({
  type: 'welcome',
  protocol,
  runnerId: 'r-1',
  heartbeatMs: 100,
  leaseMs: 3000,
  runs: [],
});

describe("a runner's own figures on its heartbeats (protocol version 2)", () => {
  it('are sent to a hub that agreed on version 2, and not to one that agreed on 1', async () => {
    for (const agreed of [1, 2]) {
      const fake = await fakeHub(() => welcome(agreed));
      const runner = startRunner({ hub: fake.url, token: 't', name: `figures-${agreed}` });
      const beats = await waitFor(() => {
        const found = fake.later.filter((message) => message.type === 'heartbeat');
        return found.length >= 2 && found;
      });
      if (agreed === 1) for (const beat of beats) expect(beat).not.toHaveProperty('metrics');
      else
        expect(beats[1]).toMatchObject({
          metrics: {
            runs: 0,
            running: 0,
            unackedRecords: 0,
            rssBytes: expect.any(Number),
            cpuSeconds: expect.any(Number),
          },
        });
      await runner.stop();
      fake.close();
    }
  });

  it('are shown by the hub for a runner that agreed on version 2, and ignored from one that agreed on 1', async () => {
    const figures = { runs: 3, running: 2, unackedRecords: 5, rssBytes: 1234, cpuSeconds: 1.5 };
    const sockets: WebSocket[] = [];
    for (const [name, protocol] of [
      ['speaks-one', 1],
      ['speaks-two', 2],
    ] as const) {
      const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/api/runners/connect`);
      sockets.push(ws);
      const welcomed = new Promise((resolve) => ws.once('message', resolve));
      await new Promise((resolve) => ws.once('open', resolve));
      const hello = { type: 'hello', name, tags: [], slots: 1, version: '0.0.0', runs: [], minProtocol: 1, protocol };
      ws.send(JSON.stringify({ ...hello, credential: await credential(name) }));
      expect(JSON.parse(String(await welcomed))).toMatchObject({ type: 'welcome', protocol });
      ws.send(JSON.stringify({ type: 'heartbeat', runs: [], metrics: figures }));
    }
    const text = await waitFor(async () => {
      const body = await (await hub.request('/metrics')).text();
      return body.includes('floe_runner_unacked_records{runner="speaks-two"} 5') && body;
    });
    expect(text).not.toContain('runner="speaks-one"');
    // A runner's figures are input: out of bounds, the frame is refused and nothing is shown.
    const [, two] = sockets;
    // The hub's own heartbeats come on the socket too: the answer is the first error.
    const answer = new Promise<Record<string, unknown>>((resolve) =>
      two?.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'error') resolve(message);
      }),
    );
    two?.send(JSON.stringify({ type: 'heartbeat', runs: [], metrics: { ...figures, rssBytes: -1 } }));
    expect(await answer).toMatchObject({ type: 'error', code: 'bad-message' });
    for (const ws of sockets) ws.close();
  });
});
