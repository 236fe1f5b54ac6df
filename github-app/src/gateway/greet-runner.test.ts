import { PROTOCOL_VERSION, SINCE_PROTOCOL } from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type SocketPair, socketPair } from '../testing/socket-pair.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';
import { greetRunner } from './greet-runner.js';
import { CLOSE_AWAY, RunnerSocketWriter } from './runner-socket-writer.js';
import type { ServedRunner } from './serve-runner-socket.js';

const logger = pino({ level: 'silent' }) as FastifyBaseLogger;

describe('greetRunner', () => {
  let t: TestHub;
  const pairs: SocketPair[] = [];
  afterEach(async () => {
    for (const pair of pairs.splice(0)) await pair.close();
    await t.close();
  });

  async function registered() {
    const token = await t.hub.createRunnerToken(ADMIN);
    const runner = await t.hub.core.registerRunner(token, 'vm-1');
    if (!runner) throw new Error('registration refused');
    return runner;
  }

  async function greet(credential: string, connected: Map<string, ServedRunner>, protocol = PROTOCOL_VERSION) {
    const pair = await socketPair();
    pairs.push(pair);
    const writer = new RunnerSocketWriter(pair.server, logger);
    const served: ServedRunner[] = [];
    const options = { core: t.hub.core, logger, heartbeatMs: 1_000, leaseMs: 5_000, connected };
    const hello = { type: 'hello', protocol, credential, name: 'vm-1', tags: ['linux'], slots: 2, version: '1.0.0' };
    await greetRunner({ ...hello, type: 'hello', runs: [] }, writer, options, (runner) => served.push(runner));
    return { pair, served };
  }

  it('welcomes a runner with a good credential, with the timings, and connects it to the core', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runnerId, credential } = await registered();
    const connected = new Map<string, ServedRunner>();
    const { pair, served } = await greet(credential, connected);
    expect(await pair.frame('welcome')).toMatchObject({ runnerId, heartbeatMs: 1_000, leaseMs: 5_000, runs: [] });
    expect(served.map((runner) => runner.connection.name)).toEqual(['vm-1']);
    expect(connected.get(runnerId)).toBe(served[0]);
    expect((await t.hub.runners())[0]).toMatchObject({ name: 'vm-1', connected: true, tags: ['linux'], slots: 2 });
  });

  it('refuses a bad credential, and a protocol it does not speak', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const connected = new Map<string, ServedRunner>();
    const bad = await greet('floe_runner_made-up', connected);
    expect(await bad.pair.frame('refused')).toMatchObject({ code: 'bad-credential' });
    const { credential } = await registered();
    const old = await greet(credential, connected, 0);
    expect(await old.pair.frame('refused')).toMatchObject({ code: 'incompatible-version' });
    expect(connected.size).toBe(0);
  });

  it("closes the runner's previous socket when it connects again", async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runnerId, credential } = await registered();
    const connected = new Map<string, ServedRunner>();
    const first = await greet(credential, connected);
    await first.pair.frame('welcome');
    const second = await greet(credential, connected);
    await second.pair.frame('welcome');
    expect(await first.pair.closed).toBe(CLOSE_AWAY);
    expect(connected.get(runnerId)).toBe(second.served[0]);
    expect((await t.hub.runners())[0]).toMatchObject({ connected: true });
  });

  it('sends `accepted` only to a runner that agreed on protocol 7 (an older one waits for its start ack)', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { credential } = await registered();
    const older = await greet(credential, new Map(), SINCE_PROTOCOL.accepted - 1);
    const newer = await greet(credential, new Map());
    for (const { pair, served } of [older, newer]) {
      await pair.frame('welcome');
      served[0]?.connection.send({ type: 'accepted', runId: 'run-1', epoch: 1 });
      // A message every version has, after it: once it is in, whatever came before it is in too.
      served[0]?.connection.send({ type: 'heartbeat' });
      await pair.frame('heartbeat');
    }
    expect(older.pair.received.map((frame) => frame.type)).toEqual(['welcome', 'heartbeat']);
    expect(newer.pair.received.map((frame) => frame.type)).toEqual(['welcome', 'accepted', 'heartbeat']);
  });
});
