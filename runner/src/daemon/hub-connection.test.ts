import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HubMessage } from '@floe/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubSession } from '../connection/open-hub-session.js';
import { startTestHub, type TestHub } from '../testing/test-hub.js';
import { loadCredential, saveCredential } from './credential-file.js';
import { EXIT_CONFIG } from './exit-status.js';
import { HubConnection, type HubConnectionOptions } from './hub-connection.js';

let dir: string;
const hubs: TestHub[] = [];
const ends: Array<() => Promise<void>> = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-connection-'));
});
afterEach(async () => {
  for (const end of ends.splice(0)) await end();
  for (const hub of hubs.splice(0)) await hub.close();
  await rm(dir, { recursive: true, force: true });
});

async function hub(options: Parameters<typeof startTestHub>[0] = {}): Promise<TestHub> {
  const started = await startTestHub(options);
  hubs.push(started);
  return started;
}

/** A connection as the daemon makes one, recording what it is told; `end()` stops it as the daemon does. */
function connection(hubUrl: string | undefined, options: { token?: string } & Partial<HubConnectionOptions> = {}) {
  let stopping = false;
  const stopAll = new AbortController();
  const welcomed: HubSession[] = [];
  const messages: HubMessage[] = [];
  const silences: number[] = [];
  const { token, ...overrides } = options;
  const made = new HubConnection({
    config: {
      ...(hubUrl ? { hub: hubUrl } : {}),
      ...(token ? { token } : {}),
      name: 'runner-a',
      tags: ['linux'],
      slots: 2,
      credentialPath: join(dir, 'credential.json'),
      backoffMax: 100,
    },
    logger: pino({ level: 'silent' }),
    signal: stopAll.signal,
    stopping: () => stopping,
    hello: () => ({ sandbox: { sandboxed: false, reason: 'test' }, runs: [] }),
    heldRuns: () => [],
    onWelcome: (session) => welcomed.push(session),
    onMessage: (message) => messages.push(message),
    onSilentPastLease: (silentMs) => silences.push(silentMs),
    ...overrides,
  });
  let loop: Promise<number> | undefined;
  const end = async () => {
    stopping = true;
    stopAll.abort();
    made.close();
    const exit = await loop?.catch(() => -1);
    made.dispose();
    return exit;
  };
  ends.push(async () => void (await end()));
  return {
    connection: made,
    welcomed,
    messages,
    silences,
    start: async () => {
      loop = made.loop(await made.credential());
      return loop;
    },
    end,
  };
}

describe('HubConnection', () => {
  it('registers with the token when it has no credential, keeps it (0600), and says hello with it', async () => {
    const a = await hub({ tokens: ['token-1'] });
    const runner = connection(a.url, { token: 'token-1' });
    void runner.start();
    await a.helloCount(1);
    expect(a.registrations).toEqual([{ token: 'token-1', name: 'runner-a' }]);
    const saved = loadCredential(join(dir, 'credential.json'));
    expect(saved).toMatchObject({ hub: a.url, runnerId: 'r-runner-a' });
    expect(statSync(join(dir, 'credential.json')).mode & 0o777).toBe(0o600);
    expect(a.hellos[0]).toMatchObject({ type: 'hello', credential: saved?.credential, name: 'runner-a', slots: 2 });
    await expect.poll(() => runner.welcomed.length).toBe(1);
    expect(await runner.end()).toBe(0);
  });

  it('reconnects after the session drops, to the next hub of the list, and is told its messages there', async () => {
    const a = await hub({ credentials: ['cred'] });
    const b = await hub({ credentials: ['cred'] });
    saveCredential(join(dir, 'credential.json'), { hub: a.url, runnerId: 'r', credential: 'cred', name: 'runner-a' });
    const runner = connection(`${a.url},${b.url}`);
    void runner.start();
    await a.helloCount(1);
    await expect.poll(() => runner.connection.session).toBe(runner.welcomed[0]);
    a.dropSockets();
    await b.helloCount(1);
    await expect.poll(() => runner.welcomed.length).toBe(2);
    expect(runner.connection.session).toBe(runner.welcomed[1]);
    b.send({ type: 'ack', runId: 'run-1', seq: 4 });
    await expect.poll(() => runner.messages).toEqual([{ type: 'ack', runId: 'run-1', seq: 4 }]);
    expect(await runner.end()).toBe(0);
  });

  it('declines an offer whose run it cannot read, saying why, and goes on reading the hub', async () => {
    const a = await hub({ credentials: ['cred'] });
    saveCredential(join(dir, 'credential.json'), { hub: a.url, runnerId: 'r', credential: 'cred', name: 'runner-a' });
    const runner = connection(a.url);
    void runner.start();
    await expect.poll(() => runner.welcomed.length).toBe(1);
    // A newer hub's run: a task type this runner does not know.
    const run = {
      id: 'run-7',
      number: 1,
      flow: { id: 'f', name: 'f', triggers: [], tasks: [{ id: 't', name: 't', type: 'wasm', opts: {} }] },
    };
    a.send(JSON.stringify({ type: 'offer', runId: 'run-7', epoch: 3, leaseMs: 1_000, run }));
    const decline = await a.next('decline');
    expect(decline).toMatchObject({ type: 'decline', runId: 'run-7', epoch: 3 });
    expect(decline.reason).toMatch(
      /^this runner cannot read the run the hub offered \(.*\); is it older than the hub\?$/,
    );
    // Nothing else is declined, and what follows is read as ever; the offer itself never reached the daemon.
    a.send('{"type":"no-such-message"}');
    a.send({ type: 'ack', runId: 'run-1', seq: 4 });
    await expect.poll(() => runner.messages).toEqual([{ type: 'ack', runId: 'run-1', seq: 4 }]);
    expect(a.messages.filter((message) => message.type === 'decline')).toHaveLength(1);
    expect(await runner.end()).toBe(0);
  });

  it('registers again, once, when the hub no longer knows its saved credential and a token is at hand', async () => {
    const a = await hub({ tokens: ['token-2'] });
    saveCredential(join(dir, 'credential.json'), { hub: a.url, runnerId: 'r', credential: 'forgotten', name: 'x' });
    const runner = connection(a.url, { token: 'token-2' });
    void runner.start();
    await a.helloCount(2);
    expect(a.hellos.map((hello) => hello.credential)).toEqual([
      'forgotten',
      loadCredential(join(dir, 'credential.json'))?.credential,
    ]);
    expect(a.registrations).toEqual([{ token: 'token-2', name: 'runner-a' }]);
    await expect.poll(() => runner.welcomed.length).toBe(1);
    expect(await runner.end()).toBe(0);
  });

  it('ends with EXIT_CONFIG when the hub rejects the credential and there is no token to register again', async () => {
    const a = await hub();
    saveCredential(join(dir, 'credential.json'), { hub: a.url, runnerId: 'r', credential: 'forgotten', name: 'x' });
    const runner = connection(a.url);
    expect(await runner.start()).toBe(EXIT_CONFIG);
    expect(a.hellos).toHaveLength(1);
  });

  it('stops at once while its hello waits for a welcome that does not come', async () => {
    const a = await hub({ credentials: ['cred'], mute: true });
    saveCredential(join(dir, 'credential.json'), { hub: a.url, runnerId: 'r', credential: 'cred', name: 'runner-a' });
    const runner = connection(a.url);
    const loop = runner.start();
    await a.helloCount(1);
    // The welcome timeout is 30 s: a stop that waited for it fails this test by its timeout below.
    expect(await runner.end()).toBe(0);
    expect(await loop).toBe(0);
    expect(runner.welcomed).toEqual([]);
  }, 15_000);

  it('says when the hub has been silent past its lease, and not while it keeps talking', async () => {
    const talking = await hub({ credentials: ['cred'], heartbeatMs: 100, leaseMs: 300 });
    saveCredential(join(dir, 'credential.json'), { hub: talking.url, runnerId: 'r', credential: 'cred', name: 'x' });
    const heard = connection(talking.url, { fenceCheckMs: 20 });
    void heard.start();
    // The runner beats every heartbeatMs: six beats span twice the lease.
    await talking.helloCount(1);
    let from = 0;
    for (let beat = 0; beat < 6; beat++) from = (await talking.next('heartbeat', from)).index + 1;
    expect(heard.silences).toEqual([]);
    await heard.end();

    const silent = await hub({ credentials: ['cred'], heartbeatMs: 100, leaseMs: 300, silent: true });
    const unheard = connection(silent.url, { fenceCheckMs: 20 });
    void unheard.start();
    await expect.poll(() => unheard.silences.length).toBeGreaterThan(0);
    // Past the lease less one heartbeat of margin.
    expect(unheard.silences[0]).toBeGreaterThan(200);
    await unheard.end();
  });
});
